"""Drill 4: schemathesis fuzzes every documented operation with valid credentials.

The app's own /openapi.json is the contract: whatever a client sends, the answer
is never a 5xx, its status is documented and its body matches the documented
schema. Generation is derandomized and bounded, so a CI run is repeatable.
"""
from __future__ import annotations

import collections
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from companion.core.clock import clock
from tests import factories

MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PATIENT_PATHS = ("/v1/me", "/v1/patient-sessions/current")
# Operations a generated request cannot complete: the one-time code is a secret.
REAL_VALUES = {"timezone": "Europe/Madrid", "protocol": "microneedling-face", "area": "face", "combined_with": []}
NEVER_SUCCEEDS = {"POST /v1/patient-sessions": "an enrollment code cannot be guessed"}


def _documented_schema() -> Any:
    """The document the app serves, read at collection so each operation is its own test."""
    from companion import create_app

    spec_only = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUSH_BACKEND": "log"})
    return schemathesis.openapi.from_wsgi("/openapi.json", spec_only)


SCHEMA = _documented_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _listed_statuses(operation) -> set[int]:
    """Statuses the document names for this operation; the catch-all `default` is not enough."""
    responses = SCHEMA.raw_schema["paths"][operation.path][operation.method.lower()]["responses"]
    return {int(status) for status in responses if status.isdigit()}


@pytest.fixture
def world(app, client) -> dict[str, Any]:
    """A clinic with a treated patient who has a device, check-ins, an open alert and a staff phone."""
    clinic = factories.create_clinic(app)
    patient = factories.enroll(client, clinic)
    token = factories.sign_in(client, patient["enrollment_code"])
    treatment = factories.record_treatment(client, clinic, patient["id"])
    client.post("/v1/me/devices", json={"fid": "fuzz-phone", "platform": "android"}, headers=token)
    client.post("/v1/clinic/devices", json={"fid": "fuzz-staff", "platform": "ios"}, headers=clinic["headers"])
    urgent = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}
    checkin = client.post("/v1/me/checkins", json=urgent, headers=token).get_json()
    assert checkin["alert_id"], checkin
    known = {
        "patient_id": patient["id"], "treatment_id": treatment["id"], "alert_id": checkin["alert_id"],
        "reminder_id": treatment["reminders"][0]["id"], "key": "microneedling-face",
    }
    return {"clinic": clinic, "patient": patient, "patient_headers": token, "known": known}


def _credentials(path: str, client, world) -> dict[str, str]:
    if path == "/v1/patient-sessions/current":
        # Signing out revokes the token, so each call gets a token of its own.
        clinic, patient = world["clinic"], world["patient"]
        code = client.post(f"/v1/patients/{patient['id']}/enrollment-code", headers=clinic["headers"]).get_json()
        return factories.sign_in(client, code["enrollment_code"])
    if path.startswith(PATIENT_PATHS):
        return world["patient_headers"]
    if path.startswith("/v1/") and path != "/v1/patient-sessions":
        return world["clinic"]["headers"]
    return {}


def _strategy(operation, world):
    """Valid and invalid inputs, and valid inputs aimed at rows that exist."""
    names = [p.name for p in operation.path_parameters]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.query or operation.body or names:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    known = {name: world["known"][name] for name in names if name in world["known"]}
    if "identifier" in names:  # a device this caller registered
        known["identifier"] = "fuzz-phone" if operation.path.startswith("/v1/me/") else "fuzz-staff"
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    return st.one_of(strategies)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(operation, app, client, world):
    """No 5xx, a documented status and a body matching its schema, for any input."""
    statuses: collections.Counter[int] = collections.Counter()
    listed = _listed_statuses(operation)

    @given(case=_strategy(operation, world), realistic=st.booleans().map(lambda raw: not raw))
    @settings(
        max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case, realistic):
        if realistic and isinstance(case.body, dict):
            # Free-text fields whose valid values the document cannot list.
            real = {**REAL_VALUES, "performed_at": (clock.now() - timedelta(hours=1)).isoformat()}
            case.body.update({k: v for k, v in real.items() if k in case.body})
        headers = _credentials(operation.path, client, world)
        response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1
        assert response.status_code in listed, f"{response.status_code} is not listed: {response.text[:300]}"

    fuzz()
    print(operation.label, dict(sorted(statuses.items())))
    if operation.label not in NEVER_SUCCEEDS:
        assert any(status < 300 for status in statuses), f"no request was accepted: {dict(statuses)}"


def _hostile_requests(world) -> list[tuple[str, str, dict[str, Any]]]:
    patient_id = world["patient"]["id"]
    clinic, me = world["clinic"]["headers"], world["patient_headers"]
    too_deep = "[" * 30_000 + "]" * 30_000
    return [
        ("POST", "/v1/patients", dict(json=factories.patient_body(display_name="Ana\x00"), headers=clinic)),
        ("POST", "/v1/me/checkins", dict(json={"ratings": {"redness": 1}, "note": "itchy\x00"}, headers=me)),
        ("POST", "/v1/me/devices", dict(json={"fid": "phone\x00", "platform": "ios"}, headers=me)),
        ("DELETE", "/v1/me/devices/phone%00", dict(headers=me)),
        ("DELETE", "/v1/clinic/devices/phone%00", dict(headers=clinic)),
        ("POST", f"/v1/patients/{patient_id}/treatments",
         dict(json=factories.treatment_body(), headers={**clinic, "Idempotency-Key": "k" * 201})),
        ("POST", "/v1/me/checkins", dict(data=too_deep, content_type="application/json", headers=me)),
        ("GET", f"/v1/patients/{2**63}", dict(headers=clinic)),
    ]


def test_hostile_input_is_refused_not_crashed(app, client, world):
    """NUL characters (PostgreSQL text cannot hold them), over-long keys, deep nesting and
    ids past a database integer: a 4xx error body, never a 500, nothing written."""
    before = client.get("/v1/patients", headers=world["clinic"]["headers"]).get_json()["total"]
    for method, path, options in _hostile_requests(world):
        response = client.open(path, method=method, **options)
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.get_json())
        assert set(response.get_json()) == {"error"}, (method, path)
    after = client.get("/v1/patients", headers=world["clinic"]["headers"]).get_json()["total"]
    assert after == before
    assert len(client.get(f"/v1/patients/{world['patient']['id']}/treatments",
                          headers=world["clinic"]["headers"]).get_json()) == 1
