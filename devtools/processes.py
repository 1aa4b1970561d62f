"""Child processes started exactly as an operator would, with their own COMPANION_* settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLASK = str(BIN / "flask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(database_url: str, **settings: Any) -> dict[str, str]:
    """This process's environment without any COMPANION_* or Google setting, then the given ones.

    The log push sender unless `PUSH_BACKEND` says otherwise; no bundling of a patient's
    reminders into one push unless `PUSH_BUNDLE_WINDOW_MINUTES` says otherwise (the drills
    and benchmarks count pushes per reminder; bundling has its own tests).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    env.update(
        COMPANION_DATABASE_URL=database_url,
        COMPANION_PUSH_BACKEND="log",
        PYTHONUNBUFFERED="1",
        COMPANION_PUSH_BUNDLE_WINDOW_MINUTES="0",
    )
    env.update({f"COMPANION_{key}": str(value) for key, value in settings.items()})
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """`flask --app wsgi ARGS` to completion; its stdout (SystemExit with stderr on failure)."""
    done = subprocess.run(
        [FLASK, "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def spawn_dispatcher(
    database_url: str, *args: str, log_path: Path | None = None, **settings: Any
) -> subprocess.Popen[str]:
    """`flask --app wsgi companion dispatcher ARGS`; stdout piped, stderr to `log_path` or dropped."""
    stderr = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            [FLASK, "--app", "wsgi", "companion", "dispatcher", *args],
            cwd=PROJECT_ROOT,
            env=environment(database_url, **settings),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    finally:
        if log_path:
            stderr.close()  # the child has its own copy


def run_once(database_url: str, *args: str, timeout: float = 45, **settings: Any) -> dict[str, Any]:
    """`dispatcher --once` to completion; its JSON summary line."""
    process = spawn_dispatcher(database_url, "--once", *args, **settings)
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def wait_until(condition: Callable[[], Any], timeout: float = 20, every: float = 0.02) -> Any:
    """The first truthy value of `condition()`; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


def wait_for_port(port: int, process: subprocess.Popen[Any] | None = None, timeout: float = 20) -> None:
    """Until something listens on 127.0.0.1:port (RuntimeError if `process` exits first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.05)


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Send `sig`, wait; killed if it outlives `timeout`. Returns the exit code."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(process)
        return process.returncode
    finally:
        kill(process)


def kill(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def wait_with_rusage(process: subprocess.Popen[str], timeout: float) -> tuple[int, Any, str]:
    """Wait for a child: (return code, its resource usage, stdout). Killed after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    out = ""
    if process.stdout:
        out = process.stdout.read()
        process.stdout.close()
    return process.returncode, usage, out
