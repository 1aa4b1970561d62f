"""Bad input gets a clear JSON error with the right status, never a 500, and writes nothing."""

import pytest

from tests.factories import create_clinic, enroll, patient_body, sign_in


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def _count(client, clinic):
    return client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"]


def test_missing_credentials_is_401(client):
    _error(client.get("/v1/patients"), 401)
    _error(client.get("/v1/patients", headers={"Authorization": "Bearer nope"}), 401)
    _error(client.get("/v1/patients", headers={"Authorization": "Basic abc"}), 401)
    _error(client.get("/v1/me"), 401)


def test_patient_token_is_not_a_clinic_key(app, client):
    clinic = create_clinic(app)
    headers = sign_in(client, enroll(client, clinic)["enrollment_code"])
    _error(client.get("/v1/patients", headers=headers), 401)
    _error(client.get("/v1/me", headers=clinic["headers"]), 401)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"locale": "spanish"}, "locale"),
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "21:00"}}, "quiet_hours"),
        ({"screening": {"eczema": True}}, "screening"),
        ({"screening": "none"}, "screening"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_patient_fields_are_422_and_write_nothing(app, client, change, field):
    clinic = create_clinic(app)
    error = _error(client.post("/v1/patients", json=patient_body(**change), headers=clinic["headers"]), 422)
    assert field in error["fields"]
    assert _count(client, clinic) == 0


def test_missing_fields_named(app, client):
    clinic = create_clinic(app)
    error = _error(client.post("/v1/patients", json={}, headers=clinic["headers"]), 422)
    assert {"display_name", "timezone", "screening"} <= set(error["fields"])


def test_not_json_is_415(app, client):
    clinic = create_clinic(app)
    response = client.post(
        "/v1/patients",
        data="display_name=Ana",
        headers=clinic["headers"],
        content_type="application/x-www-form-urlencoded",
    )
    assert _error(response, 415)["code"] == "unsupported_media_type"
    assert _count(client, clinic) == 0


def test_broken_json_is_400(app, client):
    clinic = create_clinic(app)
    response = client.post("/v1/patients", data="{not json", headers=clinic["headers"], content_type="application/json")
    _error(response, 400)


def test_json_array_body_is_422(app, client):
    clinic = create_clinic(app)
    _error(client.post("/v1/patients", json=[1, 2], headers=clinic["headers"]), 422)


def test_oversized_body_is_413(app, client):
    clinic = create_clinic(app)
    huge = patient_body(display_name="x" * (70 * 1024))
    assert _error(client.post("/v1/patients", json=huge, headers=clinic["headers"]), 413)["code"] == "too_large"
    assert _count(client, clinic) == 0


def test_unknown_route_and_method(client):
    assert _error(client.get("/v1/nothing-here"), 404)["code"] == "not_found"
    assert _error(client.put("/healthz", json={}), 405)["code"] == "method_not_allowed"


def test_bad_query_args_are_422(app, client):
    clinic = create_clinic(app)
    _error(client.get("/v1/patients?limit=0", headers=clinic["headers"]), 422)
    _error(client.get("/v1/patients?limit=abc", headers=clinic["headers"]), 422)
