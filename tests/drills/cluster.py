"""The multi-host deployment the drill runs: every service on its own namespace host.

db        a PostgreSQL cluster initdb'd for the run (never the machine's own)
redis     shared rate-limit counters
fcm       the fake FCM v1 server, journaling each accepted send with its sender's address
api1/2    gunicorn with the app, as the Procfile runs it
edge      nginx with deploy/nginx/companion.conf (its own addresses and a throwaway certificate)
disp1/2   `flask --app wsgi companion dispatcher`
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3

from bench.common import engine_for, seed_people
from devtools import processes
from devtools.certificates import self_signed
from tests.drills.hosts import FAKETIME_LIBRARY, Host, Network, signal_tree

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

LEASE_SECONDS = 6
BATCH = 50
PATIENTS = 40
FCM_LATENCY = 0.1  # seconds the fake takes to answer a send, like FCM from a nearby region
NGINX_CONF = processes.PROJECT_ROOT / "deploy" / "nginx" / "companion.conf"


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or str(Path("/usr/lib/postgresql/15/bin") / name)
    return found


def _wait(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {timeout:.0f} s")


@dataclass
class Cluster:
    net: Network
    work: Path
    database_url: str = ""
    api_key: str = ""
    postmaster: subprocess.Popen[Any] | None = None
    engine: Any = None

    @property
    def base(self) -> str:
        return f"https://{self.net.hosts['edge'].address}"

    def host(self, name: str) -> Host:
        return self.net.hosts[name]

    # -- start-up ---------------------------------------------------------------------

    def start(self) -> None:
        for name in ("db", "redis", "fcm", "api1", "api2", "edge", "disp1", "disp2"):
            self.net.host(name)
        self._postgres()
        self._redis()
        self._fcm()
        env = self.env()
        processes.flask(env, "db", "upgrade", timeout=180)
        self.engine = engine_for(self.database_url)
        seed_people(self.engine, patients=PATIENTS, two_device_every=0)  # clinic 1, a phone each
        self.api_key = json.loads(processes.flask(env, "companion", "clinic", "create", "Drill clinic", "--json"))[
            "api_key"
        ]
        for name in ("api1", "api2"):
            self._api(self.host(name))
        self._nginx()
        self.start_dispatcher("disp1")
        self.start_dispatcher("disp2")
        self.wait_for_dispatchers()

    def env(self, **settings: Any) -> dict[str, str]:
        fcm = self.host("fcm").address
        defaults: dict[str, Any] = {
            "RATELIMIT_STORAGE_URI": f"redis://{self.host('redis').address}:6379/0",
            "TRUSTED_PROXIES": 1,
            "SECRET_KEY": "drill-secret-key-shared-by-every-host",
            "OPS_TOKEN": "drill-ops-token",
            "PUSH_BACKEND": "fcm",
            "FIREBASE_CREDENTIALS": str(self.work / "fcm-key.json"),
            "FCM_ENDPOINT": f"http://{fcm}:8787",
            "FCM_TIMEOUT_SECONDS": 5,
            "DISPATCH_LEASE_SECONDS": LEASE_SECONDS,
            "DISPATCH_BATCH_SIZE": BATCH,
            "DISPATCH_INTERVAL_SECONDS": 0.2,
            # A load generator, not patients: only the sign-in failure limit is under test.
            "RATELIMIT_CHECKINS": "100000 per minute",
            "RATELIMIT_PATIENT_WRITES": "100000 per minute",
            "RATELIMIT_API_KEY": "100000 per minute",
            "RATELIMIT_PATIENT": "100000 per minute",
        }
        defaults.update(settings)
        return processes.environment(self.database_url, **defaults)

    def _postgres(self) -> None:
        db = self.host("db")
        data = self.work / "pgdata"
        data.mkdir()
        shutil.chown(data, "postgres", "postgres")
        subprocess.run(
            ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", _postgres_bin("initdb")]
            + ["-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.net.subnet} trust\n")
        self.postmaster = db.spawn(
            [_postgres_bin("postgres"), "-D", str(data), "-k", str(data), "-p", "5432"]
            + ["-c", f"listen_addresses={db.address}", "-c", "fsync=off", "-c", "synchronous_commit=off"]
            + ["-c", "full_page_writes=off", "-c", "max_connections=200"],
            log=self.work / "postgres.log",
            user="postgres",
        )
        self.database_url = f"postgresql://postgres@{db.address}:5432/postgres"
        _wait(lambda: _pg_ready(db.address), "PostgreSQL")

    def _redis(self) -> None:
        redis = self.host("redis")
        redis.spawn(
            ["redis-server", "--bind", redis.address, "--port", "6379", "--save", "", "--appendonly", "no"]
            + ["--protected-mode", "no"],
            log=self.work / "redis.log",
        )
        _wait(lambda: _tcp(redis.address, 6379), "Redis")

    def _fcm(self) -> None:
        fcm = self.host("fcm")
        fcm.spawn(
            [sys.executable, "-m", "devtools.fcm_server", "--host", fcm.address, "--port", "8787"]
            + ["--credentials", str(self.work / "fcm-key.json"), "--journal", str(self.work / "fcm.jsonl")]
            + ["--delay", str(FCM_LATENCY)],
            log=self.work / "fcm.log",
            env=processes.environment(""),
        )
        _wait(lambda: _tcp(fcm.address, 8787) and (self.work / "fcm-key.json").exists(), "the fake FCM")

    def _api(self, host: Host) -> None:
        host.spawn(
            [str(processes.BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"{host.address}:8000"]
            + ["--workers", "2", "--access-logfile", "-", "wsgi:app"],
            log=self.work / f"{host.name}.log",
            env=self.env(),
        )
        _wait(lambda: requests.get(f"http://{host.address}:8000/healthz", timeout=2).ok, host.name, timeout=60)

    def _nginx(self) -> None:
        edge = self.host("edge")
        certificate, key = self_signed(self.work)
        site = NGINX_CONF.read_text()
        servers = "".join(
            f"    server {self.host(n).address}:8000 max_fails=1 fail_timeout=10s;\n" for n in ("api1", "api2")
        )
        site, count = re.subn(r"(?:    server \S+:8000[^\n]*\n)+", servers, site)
        assert count == 1, "deploy/nginx/companion.conf: the upstream's server lines moved"
        site = site.replace("/etc/ssl/companion/fullchain.pem", str(certificate))
        site = site.replace("/etc/ssl/companion/privkey.pem", str(key))
        temp = self.work / "nginx"
        temp.mkdir()
        conf = self.work / "nginx.conf"
        conf.write_text(
            f"daemon off;\nworker_processes 1;\npid {temp}/nginx.pid;\nerror_log {self.work}/edge.log;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {temp};\n  proxy_temp_path {temp};\n"
            f"{site}\n}}\n"
        )
        checked = subprocess.run(
            ["ip", "netns", "exec", edge.namespace, "nginx", "-t", "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        edge.spawn(["nginx", "-c", str(conf)], log=self.work / "edge.out")
        _wait(lambda: requests.get(f"{self.base}/healthz", verify=False, timeout=2).ok, "nginx")

    def start_dispatcher(self, name: str, *, clock_offset: int = 0, **settings: Any) -> subprocess.Popen[Any]:
        """`clock_offset` seconds: the host's wall clock is that far off (libfaketime)."""
        env = self.env(**settings)
        if clock_offset:
            env.update(
                LD_PRELOAD=str(FAKETIME_LIBRARY), FAKETIME=f"{clock_offset:+d}s", FAKETIME_DONT_FAKE_MONOTONIC="1"
            )
        host = self.host(name)
        return host.spawn(
            [processes.FLASK, "--app", "wsgi", "companion", "dispatcher", "--name", name],
            log=self.work / f"{name}.log",
            env=env,
        )

    def wait_for_dispatchers(self, timeout: float = 60) -> None:
        """Until both have logged their start (importing the app takes seconds on a busy machine)."""
        for name in ("disp1", "disp2"):
            log = self.work / f"{name}.log"
            _wait(lambda log=log, name=name: f"dispatcher {name} started" in log.read_text(), name, timeout)

    def stop_dispatcher(self, name: str) -> None:
        from tests.drills.hosts import stop

        for process in self.host(name).processes:
            stop(process, timeout=30)
        self.host(name).processes.clear()
        log = self.work / f"{name}.log"
        log.rename(log.with_suffix(f".{time.monotonic_ns()}.log"))  # the next start logs afresh

    # -- faults -----------------------------------------------------------------------

    def pause_database(self) -> None:
        assert self.postmaster is not None
        signal_tree(self.postmaster.pid, signal.SIGSTOP)  # the postmaster and every backend

    def resume_database(self) -> None:
        assert self.postmaster is not None
        signal_tree(self.postmaster.pid, signal.SIGCONT)

    def sends(self) -> list[dict[str, Any]]:
        path = self.work / "fcm.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.work / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _tcp(address: str, port: int) -> bool:
    import socket

    with socket.create_connection((address, port), timeout=1):
        return True


def _pg_ready(address: str) -> bool:
    done = subprocess.run(
        [_postgres_bin("pg_isready"), "-h", address, "-p", "5432", "-q"], capture_output=True, env=dict(os.environ)
    )
    return done.returncode == 0
