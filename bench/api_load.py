"""Benchmark 5: the API under load, beside a trivial endpoint of the same app.

Starts the app under gunicorn on 127.0.0.1 (a free port; a fresh SQLite file migrated
first, or PostgreSQL with --db postgres), creates a clinic and patients over the API,
then drives it from a pure-Python load generator (threads, one keep-alive session
each). Each endpoint runs alone for a slice of the time, then all of them mixed:

  healthz     GET  /healthz                          the ceiling (one SELECT 1)
  timeline    GET  /v1/me/timeline                   a patient's app opening
  checkin     POST /v1/me/checkins                   a symptom check-in, triaged
  treatment   POST /v1/patients/{id}/treatments      a session recorded with its reminders
  mixed       60% timeline, 25% check-in, 15% treatment

Prints requests/s, p50/p99 latency, the ratio to healthz and errors (must be 0), then
one JSON line with the figures. Loopback only, bounded in time; it stops by itself.

    .venv/bin/python -m bench.api_load              # ~30 s, SQLite
    .venv/bin/python -m bench.api_load --quick      # ~10 s
    .venv/bin/python -m bench.api_load --db postgres --pg-url postgresql://postgres@127.0.0.1/companion_bench
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from companion.patients.screening import CONTRAINDICATIONS
from devtools import processes, stats

# Every question the enrollment form asks, answered no (the form requires them all).
SCREENING = dict.fromkeys(CONTRAINDICATIONS, False)
MIX = (("timeline", 60), ("checkin", 25), ("treatment", 15))


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def add(self, seconds: float, ok: bool, detail: str = "") -> None:
        self.latencies.append(seconds)
        if not ok:
            self.errors += 1
            if len(self.error_examples) < 3:
                self.error_examples.append(detail[:200])


def _start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    command = [
        str(processes.BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=processes.PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code in (200, 503):
                return process
        except requests.RequestException:  # not listening yet, or still importing the app
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not answer within 30 s")


def _treatment(performed_at: datetime | None = None) -> dict[str, Any]:
    performed_at = performed_at or datetime.now(UTC) - timedelta(minutes=30)
    return {
        "protocol": "microneedling-face",
        "performed_at": performed_at.isoformat(),
        "needle_depth_mm": 1.0,
        "area": "face",
        "combined_with": [],
        "series": {"session_number": 1, "planned_sessions": 3},
    }


class World:
    """A clinic and its patients, made over the API like a clinic and its apps would."""

    def __init__(self, base: str, api_key: str, patients: int) -> None:
        self.base = base
        self.clinic = {"Authorization": f"Bearer {api_key}"}
        session = requests.Session()
        self.readers = [self._patient(session, treated=True) for _ in range(patients)]
        self.checkers = [self._patient(session, treated=True) for _ in range(patients)]
        self.treated = [self._patient(session, treated=False)["id"] for _ in range(patients)]
        self.keys = itertools.count()

    def _patient(self, session: requests.Session, *, treated: bool) -> dict[str, Any]:
        body = {"display_name": "Load", "timezone": "Europe/Madrid", "locale": "es-ES", "screening": SCREENING}
        patient = _ok(session.post(f"{self.base}/v1/patients", json=body, headers=self.clinic), 201)
        if treated:
            _ok(
                session.post(
                    f"{self.base}/v1/patients/{patient['id']}/treatments", json=_treatment(), headers=self.clinic
                ),
                201,
            )
        signed = _ok(
            session.post(f"{self.base}/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]}), 201
        )
        return {"id": patient["id"], "headers": {"Authorization": f"Bearer {signed['token']}"}}

    def request(self, name: str, session: requests.Session, rng: random.Random) -> requests.Response:
        if name == "healthz":
            return session.get(f"{self.base}/healthz")
        if name == "timeline":
            return session.get(f"{self.base}/v1/me/timeline", headers=rng.choice(self.readers)["headers"])
        if name == "checkin":
            ratings = {"redness": rng.randint(0, 1), "swelling": rng.randint(0, 1)}
            return session.post(
                f"{self.base}/v1/me/checkins", json={"ratings": ratings}, headers=rng.choice(self.checkers)["headers"]
            )
        if name == "treatment":
            headers = {**self.clinic, "Idempotency-Key": f"load-{next(self.keys)}"}
            return session.post(
                f"{self.base}/v1/patients/{rng.choice(self.treated)}/treatments", json=_treatment(), headers=headers
            )
        raise ValueError(name)


def _ok(response: requests.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise SystemExit(
            f"setup: {response.request.method} {response.url} -> {response.status_code} {response.text[:300]}"
        )
    return response.json()


EXPECTED = {"healthz": 200, "timeline": 200, "checkin": 201, "treatment": 201}


def _phase(world: World, pick: Callable[[random.Random], str], seconds: float, concurrency: int) -> dict[str, Samples]:
    """`concurrency` threads send requests back to back for `seconds`."""
    results: dict[str, Samples] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        local: dict[str, Samples] = {}
        while time.monotonic() < stop_at:
            name = pick(rng)
            started = time.perf_counter()
            try:
                response = world.request(name, session, rng)
                ok, detail = response.status_code == EXPECTED[name], f"{response.status_code} {response.text}"
            except requests.RequestException as error:
                ok, detail = False, repr(error)
            local.setdefault(name, Samples()).add(time.perf_counter() - started, ok, detail)
        session.close()
        with lock:
            for name, samples in local.items():
                merged = results.setdefault(name, Samples())
                merged.latencies += samples.latencies
                merged.errors += samples.errors
                merged.error_examples += samples.error_examples

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _row(label: str, samples: Samples, seconds: float) -> dict[str, Any]:
    return {
        "endpoint": label,
        "requests": len(samples.latencies),
        "rps": round(len(samples.latencies) / seconds, 1),
        "p50_ms": round(stats.percentile(samples.latencies, 50) * 1000, 1),
        "p99_ms": round(stats.percentile(samples.latencies, 99) * 1000, 1),
        "errors": samples.errors,
        "error_examples": samples.error_examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="~10 s instead of ~30 s")
    parser.add_argument("--seconds", type=float, help="total load time (default 30, --quick 10)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("COMPANION_BENCH_PG_URL", ""),
        help="PostgreSQL database for --db postgres (its schema is migrated, rows are added)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: cores)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1, sync)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--patients", type=int, default=20, help="patients per pool (default 20)")
    args = parser.parse_args(argv)
    total = args.seconds or (10.0 if args.quick else 30.0)
    slice_seconds = total / 5  # four endpoints alone, then the mix

    with tempfile.TemporaryDirectory(prefix="companion-load-") as tmp:
        if args.db == "postgres":
            if not args.pg_url:
                raise SystemExit("--db postgres needs --pg-url (or COMPANION_BENCH_PG_URL)")
            database_url = args.pg_url
        else:
            database_url = f"sqlite:///{Path(tmp) / 'load.db'}"
        env = processes.environment(database_url)
        # 60 patients posting as fast as 8 threads can are no real patients: the limiter
        # stays on (its cost is measured) with limits this load never reaches.
        env.update(
            {f"COMPANION_RATELIMIT_{name}": "1000000 per minute" for name in ("CHECKINS", "PATIENT_WRITES", "API_KEY")}
        )
        processes.flask(env, "db", "upgrade")
        api_key = json.loads(processes.flask(env, "companion", "clinic", "create", "Load Test Clinic", "--json"))[
            "api_key"
        ]
        port = processes.free_port()
        server = _start_gunicorn(env, port, args.workers, args.threads, Path(tmp) / "gunicorn.log")
        try:
            world = World(f"http://127.0.0.1:{port}", api_key, args.patients)
            rows: list[dict[str, Any]] = []
            for name in ("healthz", "timeline", "checkin", "treatment"):
                samples = _phase(world, lambda rng, name=name: name, slice_seconds, args.concurrency)
                rows.append(_row(name, samples[name], slice_seconds))
            names, weights = zip(*MIX, strict=True)
            mixed = _phase(world, lambda rng: rng.choices(names, weights)[0], slice_seconds, args.concurrency)
            everything = Samples()
            for name in names:
                everything.latencies += mixed.get(name, Samples()).latencies
                everything.errors += mixed.get(name, Samples()).errors
                everything.error_examples += mixed.get(name, Samples()).error_examples
                rows.append(_row(f"mixed:{name}", mixed.get(name, Samples()), slice_seconds))
            rows.append(_row("mixed:all", everything, slice_seconds))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            server_errors = [
                line
                for line in (Path(tmp) / "gunicorn.log").read_text().splitlines()
                if line.startswith(("sqlalchemy.exc.", "psycopg.", "sqlite3."))
            ]

    ceiling = rows[0]["rps"] or 1.0
    print(
        f"API under load: db={args.db} gunicorn workers={args.workers} threads={args.threads} "
        f"client threads={args.concurrency} {slice_seconds:.0f} s per row, cores={os.cpu_count()}"
    )
    print(f"{'endpoint':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs healthz':>12}{'errors':>8}")
    for row in rows:
        row["ratio_to_healthz"] = round(row["rps"] / ceiling, 3)
        print(
            f"{row['endpoint']:<20}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['ratio_to_healthz']:>12.2f}{row['errors']:>8}"
        )
    errors = sum(row["errors"] for row in rows if row["endpoint"] != "mixed:all")
    for row in rows:
        for example in row.pop("error_examples"):
            if row["endpoint"] != "mixed:all":
                print(f"  error on {row['endpoint']}: {example.strip()}")
    for line in sorted(set(server_errors))[:5]:
        print(f"  server log: {line[:300]}")
    print(
        json.dumps(
            {
                "benchmark": "api_load",
                "db": args.db,
                "workers": args.workers,
                "threads": args.threads,
                "concurrency": args.concurrency,
                "seconds_per_row": slice_seconds,
                "errors": errors,
                "rows": {
                    row["endpoint"]: {k: row[k] for k in ("rps", "p50_ms", "p99_ms", "ratio_to_healthz", "errors")}
                    for row in rows
                },
            }
        )
    )
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
