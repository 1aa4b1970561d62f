"""An FCM endpoint (and a browser push service at /push/) for benchmarks that only ever says yes,
much faster than any client here.

Three servers behind one `Sink` class, each in its own process:
- `python`: a small asyncio HTTP/1.1 server (`python -m devtools.sink --port N [--record]`)
  answering the OAuth token endpoint and `messages:send` as FCM v1 does on success;
  with --record it keeps (reminder_id, receive time) per message for the timeliness benchmark;
- `nginx`: Debian's nginx answering the same two endpoints from its config (`make bench-deps`);
- `fake`: the fake FCM server (`devtools.fcm_server`), to show that it would be the ceiling.
HTTPS uses a throwaway certificate that this process and its children trust through
REQUESTS_CA_BUNDLE. `capacity()` measures what a sink answers with pipelined requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from devtools import processes
from devtools.certificates import self_signed
from devtools.service_account import write_service_account

PROJECT_ID = "aftercare-bench"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


class Sink:
    def __init__(self, work: Path, *, kind: str = "python", tls: bool = False, record: bool = False) -> None:
        if kind == "nginx" and NGINX is None:
            raise RuntimeError("nginx is not installed (make bench-deps)")
        self.kind, self.tls = kind, tls
        self.port = processes.free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.credentials = work / "service-account.json"
        directory = work / f"sink-{kind}-{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        self.certificate: Path | None = None
        tls_args: list[str] = []
        if tls:
            self.certificate, key = self_signed(directory)
            os.environ["REQUESTS_CA_BUNDLE"] = str(self.certificate)  # this process and its children
            tls_args = ["--tls-cert", str(self.certificate), "--tls-key", str(key)]
        self.log = open(directory / "sink.log", "w")  # noqa: SIM115
        if kind == "fake":
            args = [
                sys.executable,
                "-m",
                "devtools.fcm_server",
                "--port",
                str(self.port),
                "--credentials",
                str(self.credentials),
                "--project",
                PROJECT_ID,
            ]
        else:
            write_service_account(self.credentials, f"{self.url}/token", project_id=PROJECT_ID)
            if kind == "nginx":
                args = [
                    NGINX,
                    "-e",
                    str(directory / "error.log"),
                    "-c",
                    str(_nginx_config(directory, self.port, tls_args)),
                ]
            else:
                args = [sys.executable, "-m", "devtools.sink", "--port", str(self.port), *tls_args]
                if record:
                    args.append("--record")
        self.process = subprocess.Popen(args, cwd=processes.PROJECT_ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            processes.wait_for_port(self.port, self.process)
            deadline = time.monotonic() + 20
            while not self.credentials.exists() and time.monotonic() < deadline:  # the fake writes it after listening
                time.sleep(0.05)
        except RuntimeError:
            self.stop()
            raise

    def settings(self) -> dict[str, str]:
        """COMPANION_* settings (without the prefix) that point a dispatcher at this sink."""
        return {"PUSH_BACKEND": "fcm", "FIREBASE_CREDENTIALS": str(self.credentials), "FCM_ENDPOINT": self.url}

    def webpush_settings(self) -> dict[str, Any]:
        """Settings that send browser pushes for real (encrypted, VAPID-signed) to this sink's /push/."""
        from py_vapid import Vapid02

        vapid = Vapid02()
        vapid.generate_keys()
        return {
            "WEBPUSH_BACKEND": "webpush",
            "VAPID_PRIVATE_KEY": vapid.private_pem().decode(),
            "VAPID_SUBJECT": "mailto:bench@127.0.0.1.invalid",
            "WEBPUSH_ALLOW_PRIVATE": True,
        }

    def overrides(self) -> dict[str, Any]:
        """The same, as create_app() or FcmSender.from_config() overrides."""
        return dict(self.settings())

    def received(self) -> list[tuple[int, float]]:
        """(reminder_id, time.time() when the body arrived) per message (python sink with record)."""
        with urllib.request.urlopen(f"{self.url}/received", timeout=30) as response:
            return [tuple(x) for x in json.loads(response.read())]

    def reset(self) -> None:
        """Forget what the python sink recorded."""
        request = urllib.request.Request(f"{self.url}/reset", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        processes.stop(self.process, signal.SIGTERM if self.kind != "nginx" else signal.SIGQUIT, timeout=10)
        self.log.close()


def capacity(sink: Sink, seconds: float = 3.0, connections: int = 8, depth: int = 64) -> float:
    """Requests/s the sink answers to pipelined `messages:send` POSTs (a lower bound: this client is Python)."""
    body = b'{"message":{"fid":"capacity-probe","data":{"reminder_id":"0"}}}'
    request = (
        f"POST /v1/projects/{PROJECT_ID}/messages:send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    context = ssl.create_default_context(cafile=str(sink.certificate)) if sink.tls else None

    async def one(deadline: float) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", sink.port, ssl=context)
        answered, tail = 0, b""
        while time.monotonic() < deadline:
            writer.write(request * depth)
            await writer.drain()
            got = 0
            while got < depth:
                chunk = tail + await reader.read(65536)
                got += chunk.count(b"HTTP/1.1 200")
                tail = chunk[-11:]
            answered += got
        writer.close()
        return answered

    async def run() -> float:
        started = time.monotonic()
        counts = await asyncio.gather(*(one(started + seconds) for _ in range(connections)))
        return sum(counts) / (time.monotonic() - started)

    return asyncio.run(run())


def _nginx_config(directory: Path, port: int, tls_args: list[str]) -> Path:
    """Answers as FCM does on success; one worker, like the one-process Python sink."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / name).mkdir(exist_ok=True)
    directory.chmod(0o755)  # nginx workers run as another user when started as root
    for path in directory.iterdir():
        path.chmod(0o755 if path.is_dir() else 0o644)
    listen = f"127.0.0.1:{port}"
    tls = ""
    if tls_args:
        listen += " ssl"
        tls = f"ssl_certificate {tls_args[1]}; ssl_certificate_key {tls_args[3]};"
    config = directory / "nginx.conf"
    config.write_text(f"""
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi; scgi_temp_path {directory}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    default_type "application/json; charset=UTF-8";
    server {{
        listen {listen};
        {tls}
        location = /token {{ return 200 '{{"access_token":"sink","expires_in":3600,"token_type":"Bearer"}}'; }}
        location /push/ {{ add_header Location /message/$request_id; return 201 ''; }}
        location ~ ^/v1/projects/([^/]+)/messages:send$ {{
            return 200 '{{"name":"projects/$1/messages/0:$request_id"}}';
        }}
    }}
}}
""")
    return config


class _SinkProtocol(asyncio.Protocol):
    state: dict[str, Any]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(buffer[:end]).split(b"\r\n")
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            total = end + 4 + length
            if len(buffer) < total:
                return
            body = bytes(buffer[end + 4 : total])
            del buffer[:total]
            method, path = lines[0].split(b" ", 2)[:2]
            self._handle(method, path, body)

    def _handle(self, method: bytes, path: bytes, body: bytes) -> None:
        state = self.state
        if path.endswith(b"/messages:send"):
            state["sends"] += 1
            if state["record"]:
                try:
                    rid = int(json.loads(body)["message"]["data"]["reminder_id"])
                except Exception:
                    rid = -1
                state["received"].append((rid, time.time()))
            project = path.split(b"/")[3].decode()
            return self._reply(200, {"name": f"projects/{project}/messages/0:{state['sends']}"})
        if path.startswith(b"/push/"):  # a browser push service: 201 Created, as RFC 8030 answers
            state["sends"] += 1
            return self._reply(201, "", location=b"/message/%d" % state["sends"])
        if path == b"/token":
            state["tokens"] += 1
            return self._reply(
                200, {"access_token": f"sink-{state['tokens']}", "expires_in": 3600, "token_type": "Bearer"}
            )
        if path == b"/received":
            return self._reply(200, state["received"])
        if path == b"/reset" and method == b"POST":
            state.update(sends=0, tokens=0, received=[])
            return self._reply(200, {})
        return self._reply(404, {"error": {"code": 404, "message": "no such endpoint", "status": "NOT_FOUND"}})

    def _reply(self, status: int, payload: Any, location: bytes = b"") -> None:
        data = json.dumps(payload).encode()
        reason = {200: b"OK", 201: b"Created"}.get(status, b"Not Found")
        extra = b"Location: %s\r\n" % location if location else b""
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n%sContent-Type: application/json; charset=UTF-8\r\nContent-Length: %d\r\n\r\n"
            % (status, reason, extra, len(data))
            + data
        )


def run(port: int, record: bool, tls_cert: str | None = None, tls_key: str | None = None) -> None:
    _SinkProtocol.state = {"sends": 0, "tokens": 0, "received": [], "record": record}
    context = None
    if tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls_cert, tls_key)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            _SinkProtocol, "127.0.0.1", port, backlog=2048, reuse_address=True, ssl=context
        )
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print(f"sink listening on 127.0.0.1:{port}", flush=True)
        async with server:
            await stop.wait()
        print(f"sink: sends={_SinkProtocol.state['sends']} tokens={_SinkProtocol.state['tokens']}", flush=True)

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", action="store_true", help="keep (reminder_id, arrival time) per message")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    run(args.port, args.record, args.tls_cert, args.tls_key)


if __name__ == "__main__":
    main()
