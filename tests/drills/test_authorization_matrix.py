"""Drill 5: every /v1 route of the app × every way a caller can be the wrong one.

Routes are read from the app's url_map, and who may call each from its documented
security, so a new route joins the matrix by itself (and one whose caller is not
documented fails here). Expected: 401 for missing, unknown, revoked or wrong-kind
credentials; 404 for another tenant's rows; and never another tenant's data in a body.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from companion.core.clock import clock
from tests import factories

# Strings that only clinic B and its patient own: none may appear in an answer to anyone else.
MARKERS = {
    "clinic": "Zed Aesthetics",
    "patient": "Zelda Victim",
    "external_ref": "ZREF-4242",
    "device": "zed-phone-fid-marker",
    "staff_device": "zed-staff-fid-marker",
    "staff_name": "Nurse Zed",
    "note": "zed-private-note-marker",
    "webhook": "https://hooks.zed.test/alerts",
}
PUBLIC_ROUTES = {("POST", "/v1/patient-sessions")}
# Served but left out of the OpenAPI document (deprecated: docs/api.md); who may call each.
UNDOCUMENTED_ROUTES = {
    ("DELETE", "/v1/me/devices/{identifier}"): "patient",
    ("DELETE", "/v1/clinic/devices/{identifier}"): "clinic",
}
SHARED_PARAMS = {"key"}  # protocols are the same catalogue for every clinic
# Bodies valid enough to get past validation, so the ownership check is what answers.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/v1/treatments/{treatment_id}"): {"needle_depth_mm": 1.5},
    ("POST", "/v1/patients/{patient_id}/treatments"): "treatment",
    ("POST", "/v1/alerts/{alert_id}/resolve"): {"note": "closing someone else's alert"},
    ("PUT", "/v1/protocols/{key}/override"): {"values": {"restrictions": {"makeup": {"hours": 36}}}},
    ("POST", "/v1/patients"): "patient",
    ("POST", "/v1/me/devices"): {"fid": "own-new-phone", "platform": "android"},
    ("POST", "/v1/clinic/devices"): {"fid": "own-new-staff-phone", "platform": "ios"},
    ("PATCH", "/v1/clinic"): {"descriptive_push": False},
    ("PATCH", "/v1/me"): {"locale": "en"},
    ("POST", "/v1/me/checkins"): {"ratings": {"redness": 1}},
    ("POST", "/v1/patient-sessions"): {"enrollment_code": "AAAA-BBBB-CCCC"},
    ("POST", "/v1/patients/{patient_id}/appointments"): "appointment",
    ("PATCH", "/v1/appointments/{appointment_id}"): {"note": "moved by someone else"},
}


def _spec_app():
    from companion import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUSH_BACKEND": "log"})


def _routes() -> list[tuple[str, str, str]]:
    """(method, OpenAPI path, caller kind) for every /v1 route the app serves."""
    app = _spec_app()
    spec = app.test_client().get("/openapi.json").get_json()
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = spec["paths"].get(path, {}).get(method.lower(), {})
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            kind = {"clinicKey": "clinic", "patientToken": "patient", "twilioSignature": "twilio"}.get(
                next(iter(schemes)) if len(schemes) == 1 else ""
            )
            if kind is None and (method, path) in PUBLIC_ROUTES:
                kind = "public"
            kind = kind or UNDOCUMENTED_ROUTES.get((method, path))
            routes.append((method, path, kind or f"undocumented security {sorted(schemes)}"))
    return routes


ROUTES = _routes()
WRONG_CREDENTIALS = {
    "clinic": ["no_token", "garbage_token", "patient_token", "revoked_clinic_key"],
    "patient": ["no_token", "garbage_token", "clinic_key", "revoked_patient_token"],
    "public": ["expired_code", "used_code", "superseded_code", "garbage_code"],
    # Twilio's webhooks: only its signature (over COMPANION_PUBLIC_URL + path) opens them; 403 otherwise.
    "twilio": ["no_signature", "other_token_signature", "clinic_key", "patient_token"],
}


def _params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


def _tenant_params(path: str) -> list[str]:
    return [name for name in _params(path) if name not in SHARED_PARAMS]


CASES = [
    pytest.param(method, path, kind, scenario, id=f"{method} {path} - {scenario}")
    for method, path, kind in ROUTES
    for scenario in WRONG_CREDENTIALS.get(kind, ["classify"])
] + [
    # Another tenant's rows by id, and every read that lists "mine".
    pytest.param(method, path, kind, "other_tenant", id=f"{method} {path} - other_tenant")
    for method, path, kind in ROUTES
    if kind in ("clinic", "patient") and (_tenant_params(path) or method == "GET")
]


def _tenant(
    app, client, *, name: str, patient_name: str, external_ref: str, device: str, staff: str, staff_name: str, note: str
) -> dict[str, Any]:
    """A clinic with a treated, signed-in patient who has a phone, a check-in and an open alert."""
    clinic = factories.create_clinic(app, name)
    patient = factories.enroll(client, clinic, display_name=patient_name, external_ref=external_ref)
    token = factories.sign_in(client, patient["enrollment_code"])
    treatment = factories.record_treatment(client, clinic, patient["id"])
    phone = client.post("/v1/me/devices", json={"fid": device, "platform": "android"}, headers=token)
    assert phone.status_code == 201
    staff_body = {"fid": staff, "platform": "ios", "staff_name": staff_name}
    staff_phone = client.post("/v1/clinic/devices", json=staff_body, headers=clinic["headers"])
    assert staff_phone.status_code == 201
    urgent = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}, "note": note}
    checkin = client.post("/v1/me/checkins", json=urgent, headers=token).get_json()
    assert checkin["alert_id"], checkin
    visit = {"starts_at": (clock.now() + timedelta(days=30)).isoformat(), "kind": "series", "note": f"{note} visit"}
    appointment = client.post(f"/v1/patients/{patient['id']}/appointments", json=visit, headers=clinic["headers"])
    assert appointment.status_code == 201, appointment.get_json()
    [api_key] = client.get("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()["items"]
    ids = {
        "appointment_id": appointment.get_json()["id"],
        "key_id": api_key["id"],
        "patient_id": patient["id"],
        "treatment_id": treatment["id"],
        "alert_id": checkin["alert_id"],
        "reminder_id": treatment["reminders"][0]["id"],
        "key": "microneedling-face",
        "identifier@patient": device,
        "identifier@clinic": staff,
        "device_id@patient": phone.get_json()["id"],
        "device_id@clinic": staff_phone.get_json()["id"],
    }
    return {"clinic": clinic, "patient": patient, "token": token, "ids": ids}


@pytest.fixture
def tenants(app, client) -> dict[str, Any]:
    own = _tenant(
        app,
        client,
        name="Clinica Sol",
        patient_name="Ana",
        external_ref="A-1",
        device="ana-phone",
        staff="sol-staff-phone",
        staff_name="Nurse Sol",
        note="a little itchy",
    )
    other = _tenant(
        app,
        client,
        name=MARKERS["clinic"],
        patient_name=MARKERS["patient"],
        external_ref=MARKERS["external_ref"],
        device=MARKERS["device"],
        staff=MARKERS["staff_device"],
        staff_name=MARKERS["staff_name"],
        note=MARKERS["note"],
    )
    hook = {"webhook_url": MARKERS["webhook"]}
    assert client.patch("/v1/clinic", json=hook, headers=other["clinic"]["headers"]).status_code == 200
    override = {"values": {"restrictions": {"makeup": {"hours": 60}}}}
    put = client.put("/v1/protocols/microneedling-face/override", json=override, headers=other["clinic"]["headers"])
    assert put.status_code == 200
    return {"own": own, "other": other}


def _url(path: str, ids: dict[str, Any], kind: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = ids.get(f"{name}@{kind}", ids.get(name))
        assert found is not None, f"the matrix does not know whose {name!r} is: add it to _tenant()"
        return str(found)

    return re.sub(r"{([^}]+)}", value, path)


def _body(method: str, path: str) -> Any:
    body = BODIES.get((method, path), {} if method in ("POST", "PUT", "PATCH") else None)
    if body == "treatment":
        return factories.treatment_body()
    if body == "patient":
        return factories.patient_body(display_name="Bob")
    if body == "appointment":
        return {"starts_at": (clock.now() + timedelta(days=20)).isoformat(), "kind": "review"}
    return body


def _credentials(app, client, tenants, scenario: str) -> dict[str, str]:
    own = tenants["own"]
    if scenario == "no_token":
        return {}
    if scenario == "garbage_token":
        return {"Authorization": "Bearer ck_not-a-real-key-at-all"}
    if scenario == "patient_token":
        return own["token"]
    if scenario == "clinic_key":
        return own["clinic"]["headers"]
    if scenario == "revoked_patient_token":
        code = client.post(f"/v1/patients/{own['patient']['id']}/enrollment-code", headers=own["clinic"]["headers"])
        token = factories.sign_in(client, code.get_json()["enrollment_code"])
        assert client.delete("/v1/patient-sessions/current", headers=token).status_code == 204
        return token
    if scenario == "revoked_clinic_key":
        from companion.clinics.models import ClinicApiKey
        from companion.core.auth import hash_secret
        from companion.extensions import db

        raw = own["clinic"]["key"]
        with app.app_context():
            key = db.session.scalar(db.select(ClinicApiKey).where(ClinicApiKey.key_hash == hash_secret(raw)))
            key.revoked_at = clock.now()
            db.session.commit()
        return own["clinic"]["headers"]
    raise AssertionError(scenario)


def _enrollment_code(client, tenants, scenario: str) -> str:
    own = tenants["own"]
    fresh = factories.enroll(client, own["clinic"], display_name="Carla")
    code = fresh["enrollment_code"]
    if scenario == "expired_code":
        clock.freeze(clock.now() + timedelta(hours=72, minutes=1))  # ENROLLMENT_CODE_TTL_HOURS
    elif scenario == "used_code":
        factories.sign_in(client, code)
    elif scenario == "superseded_code":
        url = f"/v1/patients/{fresh['id']}/enrollment-code"
        assert client.post(url, headers=own["clinic"]["headers"]).status_code == 201
    elif scenario == "garbage_code":
        code = "ZZZZ-ZZZZ-ZZZZ"
    return code


def _twilio_hook(app, client, tenants, path: str, scenario: str, monkeypatch):
    """A form as Twilio posts it, naming the other tenant's patient's number, never rightly signed."""
    from devtools.twilio_server import signature

    public = "https://care.example"
    twilio = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "token", "PUBLIC_URL": public}
    for key, value in twilio.items():
        monkeypatch.setitem(app.config, key, value)
    form = {"MessageSid": "SM" + "0" * 32, "From": "+34612345678", "Body": "STOP", "MessageStatus": "failed"}
    headers = {
        "no_signature": {},
        "other_token_signature": {"X-Twilio-Signature": signature("not-our-token", public + path, form)},
        "clinic_key": tenants["own"]["clinic"]["headers"],
        "patient_token": tenants["own"]["token"],
    }[scenario]
    return client.post(path, data=form, headers=headers)


def _no_other_tenant_data(response) -> None:
    text = response.get_data(as_text=True)
    leaked = [name for name, marker in MARKERS.items() if marker in text]
    assert not leaked, f"another tenant's {leaked} in the answer: {text[:400]}"


def _snapshot(client, other) -> dict[str, Any]:
    """Everything the other tenant can see of itself."""
    clinic, token, ids = other["clinic"]["headers"], other["token"], other["ids"]
    reads = [
        ("/v1/clinic", clinic),
        ("/v1/clinic/devices", clinic),
        ("/v1/patients", clinic),
        ("/v1/alerts", clinic),
        (f"/v1/patients/{ids['patient_id']}/treatments", clinic),
        (f"/v1/patients/{ids['patient_id']}/checkins", clinic),
        ("/v1/protocols/microneedling-face", clinic),
        ("/v1/me", token),
        ("/v1/me/timeline", token),
        ("/v1/me/checkins", token),
    ]
    snapshot = {}
    for url, headers in reads:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_json())
        snapshot[url] = response.get_json()
    return snapshot


@pytest.mark.parametrize(("method", "path", "kind", "scenario"), CASES)
def test_wrong_caller_gets_401_or_404_and_nothing_of_another_tenant(
    app, client, tenants, method, path, kind, scenario, monkeypatch
):
    """Why: a clinic must never read or change another clinic's patients, nor a phone another patient's."""
    assert kind in WRONG_CREDENTIALS, f"{method} {path}: {kind}; declare who may call it"
    before = _snapshot(client, tenants["other"])
    body = _body(method, path)
    if kind == "public":
        body = {"enrollment_code": _enrollment_code(client, tenants, scenario)}
        response = client.open(path, method=method, json=body)
        assert response.status_code == 401, response.get_json()
        assert response.get_json()["error"]["code"] == "invalid_enrollment_code"
    elif kind == "twilio":
        response = _twilio_hook(app, client, tenants, path, scenario, monkeypatch)
        assert response.status_code == 403, (path, response.status_code, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "forbidden"
    elif scenario == "other_tenant":
        caller = tenants["own"]["clinic"]["headers"] if kind == "clinic" else tenants["own"]["token"]
        url = _url(path, tenants["other"]["ids"], kind)
        response = client.open(url, method=method, json=body, headers=caller)
        if _tenant_params(path):
            allowed = {404} if (method, path) in BODIES or body is None else {404, 422}
            assert response.status_code in allowed, (url, response.status_code, response.get_json())
        else:
            assert response.status_code == 200, (url, response.get_json())
        if path == "/v1/protocols/{key}" or path.startswith("/v1/protocols"):
            assert "overridden" not in (response.get_json() or {}) or not response.get_json()["overridden"]
    else:
        headers = _credentials(app, client, tenants, scenario)
        url = _url(path, tenants["own"]["ids"], kind)
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 401, (url, response.status_code, response.get_json())
        assert response.get_json()["error"]["code"] == "unauthorized"
    _no_other_tenant_data(response)
    clock.unfreeze()
    assert _snapshot(client, tenants["other"]) == before, "another tenant's data changed"
