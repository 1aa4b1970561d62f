"""Dispatcher subprocesses, started exactly as an operator would: `flask --app wsgi companion dispatcher`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def environment(database_url: str, **settings: Any) -> dict[str, str]:
    """The subprocess's own settings: the test database, and COMPANION_* overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    env.update(COMPANION_DATABASE_URL=database_url, COMPANION_PUSH_BACKEND="log", PYTHONUNBUFFERED="1")
    env.update({f"COMPANION_{key}": str(value) for key, value in settings.items()})
    return env


def spawn(database_url: str, *args: str, log_path: Path | None = None, **settings: Any) -> subprocess.Popen[str]:
    stderr = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            [FLASK, "--app", "wsgi", "companion", "dispatcher", *args],
            cwd=PROJECT_ROOT, env=environment(database_url, **settings),
            stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
    finally:
        if log_path:
            stderr.close()  # the child has its own copy


def run_once(database_url: str, *args: str, timeout: float = 45, **settings: Any) -> dict[str, Any]:
    """`--once` to completion; its JSON summary line."""
    process = spawn(database_url, "--once", *args, **settings)
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def wait_until(condition: Callable[[], Any], timeout: float = 20, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    finally:
        kill(process)


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()
