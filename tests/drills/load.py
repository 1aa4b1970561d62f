"""Steady API load through the proxy for the multi-host drill: enrollments, check-ins, timelines.

Every POST carries an Idempotency-Key, as the app's clients do, so the proxy may retry it on
another host. Each request is kept with its start, duration and status for the faults' windows.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from bench.api_load import SCREENING

THREADS = 3
PAUSE = 0.05  # between one thread's requests: a steady trickle, not a benchmark


@dataclass(frozen=True)
class Request:
    at: float
    seconds: float
    kind: str
    status: int | str  # "error" when no HTTP answer came back


class Load:
    def __init__(self, base: str, api_key: str) -> None:
        self.base = base
        self.clinic = {"Authorization": f"Bearer {api_key}"}
        self.done: list[Request] = []
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.keys = itertools.count()
        self.patients: list[dict[str, str]] = []

    def start(self) -> None:
        session = self._session()
        for _ in range(6):
            self.patients.append(self._signed_in(session))
        for n in range(THREADS):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True, name=f"drill-load-{n}")
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def between(self, start: float, end: float) -> list[Request]:
        return [r for r in list(self.done) if start <= r.at <= end]

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.verify = False  # the drill's throwaway certificate
        session.trust_env = False  # no CA bundle or proxy from the environment
        return session

    def _signed_in(self, session: requests.Session) -> dict[str, str]:
        body = {"display_name": "Drill", "timezone": "Europe/Madrid", "locale": "en", "screening": SCREENING}
        patient = session.post(f"{self.base}/v1/patients", json=body, headers=self.clinic, timeout=30).json()
        signed = session.post(
            f"{self.base}/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]}, timeout=30
        ).json()
        return {"Authorization": f"Bearer {signed['token']}"}

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        session = self._session()
        while not self.stopping.is_set():
            kind = rng.choices(("enroll", "checkin", "timeline"), (2, 3, 5))[0]
            started, at = time.monotonic(), time.time()
            try:
                status: int | str = self._one(session, kind, rng).status_code
            except requests.RequestException:
                status = "error"
            self.done.append(Request(at, time.monotonic() - started, kind, status))
            self.stopping.wait(PAUSE)

    def _one(self, session: requests.Session, kind: str, rng: random.Random) -> Any:
        key = {"Idempotency-Key": f"drill-{seed_tag()}-{next(self.keys)}"}
        if kind == "enroll":
            body = {"display_name": "Drill", "timezone": "Europe/Madrid", "locale": "en", "screening": SCREENING}
            return session.post(f"{self.base}/v1/patients", json=body, headers={**self.clinic, **key}, timeout=30)
        patient = rng.choice(self.patients)
        if kind == "checkin":
            ratings = {"redness": rng.randint(0, 1), "swelling": rng.randint(0, 1)}
            return session.post(
                f"{self.base}/v1/me/checkins", json={"ratings": ratings}, headers={**patient, **key}, timeout=30
            )
        return session.get(f"{self.base}/v1/me/timeline", headers=patient, timeout=30)


_TAG = f"{time.time():.0f}"


def seed_tag() -> str:
    return _TAG
