"""The sender honours a proxy from the environment, and skips that work otherwise."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from companion.channels.base import SENT
from companion.channels.factory import build_sender
from tests.channels.test_fcm_sender import push

PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers itself and remembers the absolute URLs it was asked for."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.path)
        if self.path.endswith("/token"):
            payload = {"access_token": "via-proxy", "expires_in": 3600, "token_type": "Bearer"}
        else:
            payload = {"name": "projects/aftercare-test/messages/via-proxy"}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_no_proxy_configured_skips_environment_lookups(fcm_config, monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    sender = build_sender(fcm_config)
    try:
        assert sender.trust_env is False
    finally:
        sender.close()


def test_operator_proxy_is_honoured(fcm_config, fake_fcm, monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    _Proxy.seen = []
    sender = build_sender(fcm_config)
    try:
        assert sender.trust_env is True
        [result] = sender.send([push()])
    finally:
        sender.close()
        proxy.shutdown()
        proxy.server_close()
    assert (result.outcome, result.message_id) == (SENT, "projects/aftercare-test/messages/via-proxy")
    assert f"{fake_fcm.url}/v1/projects/aftercare-test/messages:send" in _Proxy.seen
    assert fake_fcm.requests == 0
