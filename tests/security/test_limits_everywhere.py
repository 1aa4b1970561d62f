"""Finding 3: every door that takes a clinic key or a patient token is rate limited.

The test walks the app's URL map rather than a list, so an endpoint added tomorrow
without a limit fails here the day it is added.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import create_clinic, enroll, sign_in

LIMIT_SETTINGS = ("RATELIMIT_API_KEY", "RATELIMIT_PATIENT", "RATELIMIT_PATIENT_WRITES", "RATELIMIT_CHECKINS")
_PARAM = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


def _url(rule: str) -> str:
    return _PARAM.sub(lambda m: "999999" if m.group(1) == "int" else "no-such-thing", rule)


def _doors(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, _url(rule.rule)


@pytest.fixture
def tight_limits(app, monkeypatch):
    for name in LIMIT_SETTINGS:
        monkeypatch.setitem(app.config, name, "1 per minute")
    return app


def test_every_authenticated_endpoint_is_rate_limited(app, client, tight_limits):
    from companion.core.ratelimit import reset_rate_limits

    unlimited, authenticated = [], 0
    for method, url in _doors(app):
        reset_rate_limits(app)
        if client.open(url, method=method).status_code != 401:
            continue  # open doors (sign-in) have limits of their own, tested in test_rate_limits
        authenticated += 1
        clinic = create_clinic(app, "Sol")
        patient = sign_in(client, enroll(client, clinic)["enrollment_code"])
        headers = clinic["headers"]
        if client.open(url, method=method, headers=headers).status_code == 401:
            headers = patient
        reset_rate_limits(app)
        first = client.open(url, method=method, headers=headers)
        assert first.status_code != 401, (method, url)
        second = client.open(url, method=method, headers=headers)
        if second.status_code != 429:
            unlimited.append(f"{method} {url} -> {second.status_code}")
    assert authenticated >= 40  # the walk really found the API
    assert unlimited == []
