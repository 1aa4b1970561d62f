"""The sender honours a proxy or CA bundle from the environment, and skips that work otherwise."""
from firebase_admin import messaging

from companion.push.factory import build_sender


def _session(sender):
    return messaging._get_messaging_service(sender._app)._client.session  # noqa: SLF001


def test_no_proxy_configured_skips_environment_lookups(fcm_config, monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    sender = build_sender(fcm_config)
    try:
        assert _session(sender).trust_env is False
    finally:
        sender.close()


def test_operator_proxy_is_honoured(fcm_config, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    sender = build_sender(fcm_config)
    try:
        assert _session(sender).trust_env is True
    finally:
        sender.close()
