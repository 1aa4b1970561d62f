"""Finding 6: failed sign-ins per address, check-ins and writes per patient token, requests per API key;
429 in the JSON error format with Retry-After. In memory by default; shared through Redis when configured."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.factories import create_clinic, enroll, record_treatment, sign_in

DESK = {"REMOTE_ADDR": "203.0.113.10"}
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.99"}
REDIS_URI = os.environ.get("COMPANION_TEST_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")


def _guess(client, environ=DESK):
    return client.post("/v1/patient-sessions", json={"enrollment_code": "ZZZZ-ZZZZ-ZZZZ"}, environ_base=environ)


def _assert_429(response):
    assert response.status_code == 429, response.get_json()
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_failed_sign_ins_are_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNIN_FAILURES", "3 per minute")
    assert [_guess(client).status_code for _ in range(3)] == [401, 401, 401]
    _assert_429(_guess(client))
    assert _guess(client, ELSEWHERE).status_code == 401  # another address is not blocked


def test_successful_sign_ins_from_one_desk_are_never_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNIN_FAILURES", "3 per minute")
    clinic = create_clinic(app)
    codes = [enroll(client, clinic, display_name=f"P{i}")["enrollment_code"] for i in range(6)]
    for code in codes:
        answer = client.post("/v1/patient-sessions", json={"enrollment_code": code}, environ_base=DESK)
        assert answer.status_code == 201, answer.get_json()


def _patient(app, client, clinic, name):
    patient = enroll(client, clinic, display_name=name)
    record_treatment(client, clinic, patient["id"])
    return sign_in(client, patient["enrollment_code"])


def test_check_ins_are_limited_per_patient_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKINS", "2 per minute")
    clinic = create_clinic(app)
    ana, bea = _patient(app, client, clinic, "Ana"), _patient(app, client, clinic, "Bea")
    urgent = {"ratings": {}, "red_flags": {"fever": True}}
    assert [client.post("/v1/me/checkins", json=urgent, headers=ana).status_code for _ in range(2)] == [201, 201]
    _assert_429(client.post("/v1/me/checkins", json=urgent, headers=ana))
    assert client.post("/v1/me/checkins", json=urgent, headers=bea).status_code == 201
    alerts = client.get("/v1/alerts", headers=clinic["headers"]).get_json()["items"]
    # Ana's two check-ins gather on her open alert, Bea's raises her own: the 429 added nothing.
    assert sorted(alert["checkin_count"] for alert in alerts) == [1, 2]


def test_patient_writes_are_limited_per_token_but_reads_are_not(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PATIENT_WRITES", "2 per minute")
    clinic = create_clinic(app)
    ana = _patient(app, client, clinic, "Ana")
    assert client.patch("/v1/me", json={"locale": "en"}, headers=ana).status_code == 200
    assert client.post("/v1/me/devices", json={"fid": "ana-fid", "platform": "ios"}, headers=ana).status_code == 201
    _assert_429(client.patch("/v1/me", json={"locale": "es"}, headers=ana))
    assert client.get("/v1/me", headers=ana).status_code == 200


def test_requests_are_limited_per_api_key(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_API_KEY", "4 per minute")
    sol, luna = create_clinic(app, "Sol"), create_clinic(app, "Luna")
    for url in ("/v1/clinic", "/v1/patients", "/v1/alerts", "/v1/protocols"):
        assert client.get(url, headers=sol["headers"]).status_code == 200
    _assert_429(client.get("/v1/clinic/devices", headers=sol["headers"]))  # one budget across endpoints
    assert client.get("/v1/clinic", headers=luna["headers"]).status_code == 200


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1).ping()
    except redis.RedisError as err:
        message = f"Redis at {REDIS_URI} is unreachable ({err}); set COMPANION_TEST_RATELIMIT_STORAGE_URI"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs the limiter against the real Redis: {message}")
        pytest.skip(message)
    return redis


@pytest.fixture
def redis_apps(app, make_app):
    """Two API processes (as two gunicorn workers would be) sharing one Redis."""
    redis = _redis_or_skip()
    prefix = f"companion-test-{uuid.uuid4().hex}"
    config = dict(
        RATELIMIT_STORAGE_URI=REDIS_URI,
        RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix},
        RATELIMIT_SIGNIN_FAILURES="3 per minute",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
        RATELIMIT_SWALLOW_ERRORS=False,
    )
    yield make_app(**config), make_app(**config), prefix
    connection = redis.Redis.from_url(REDIS_URI)
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)


def test_limits_are_shared_through_redis(redis_apps):
    first, second, prefix = redis_apps
    one, two = first.test_client(), second.test_client()
    assert [_guess(one).status_code, _guess(two).status_code, _guess(one).status_code] == [401, 401, 401]
    _assert_429(_guess(two))  # the other worker counted the failures too
    import redis

    assert list(redis.Redis.from_url(REDIS_URI).scan_iter(f"{prefix}*")), "the counters live in Redis"
