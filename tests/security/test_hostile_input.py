"""Findings 4 and 7: text formatting as a weapon, and input the parser or the database cannot take."""

from __future__ import annotations

import json

import pytest

from tests.factories import create_clinic, patient_body

OVERRIDE = "/v1/protocols/microneedling-face/override"


@pytest.mark.parametrize(
    "detail",
    [
        "Wait {hours:>20000000} hours",  # 18 characters that rendered as 20 MB
        "Wait {hours!r} hours",
        "Wait {hours.real} hours",
        "Wait {hours[0]} hours",
        "Wait {hours:,} hours",
    ],
)
def test_protocol_text_takes_only_bare_known_placeholders(app, client, detail):
    clinic = create_clinic(app)
    values = {"restrictions": {"makeup": {"detail": {"en": detail}}}}
    response = client.put(OVERRIDE, json={"values": values}, headers=clinic["headers"])
    assert response.status_code == 422, response.get_json()
    assert client.get("/v1/protocols/microneedling-face", headers=clinic["headers"]).get_json()["overridden"] is False


def test_a_bare_known_placeholder_is_still_fine(app, client):
    clinic = create_clinic(app)
    values = {"restrictions": {"makeup": {"detail": {"en": "No makeup for {hours} hours"}}}}
    assert client.put(OVERRIDE, json={"values": values}, headers=clinic["headers"]).status_code == 200


def _raw(client, method, url, text, headers):
    return client.open(url, method=method, data=text, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("where", ["display_name", "external_ref", "medications_note"])
def test_a_lone_surrogate_is_a_422_not_a_500(app, client, where):
    clinic = create_clinic(app)
    body = patient_body(external_ref="R-1")
    if where == "medications_note":
        body["screening"] = {**body["screening"], "relevant_medications": True, "medications_note": "LONE"}
    else:
        body[where] = "LONE"
    text = json.dumps(body).replace("LONE", "isotretinoin \\udc80")  # a JSON escape no encoder would write
    response = _raw(client, "POST", "/v1/patients", text, clinic["headers"])
    assert response.status_code == 422, response.get_json()
    assert "surrogate" in response.get_json()["error"]["message"]
    assert client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"] == 0


def test_a_5000_digit_integer_is_a_422_not_a_500(app, client):
    clinic = create_clinic(app)
    text = '{"display_name": "Ana", "timezone": "Europe/Madrid", "locale": "es-ES", "quiet_start": ' + "9" * 5000 + "}"
    response = _raw(client, "POST", "/v1/patients", text, clinic["headers"])
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid"


def test_plain_bad_json_is_still_a_400(app, client):
    clinic = create_clinic(app)
    response = _raw(client, "POST", "/v1/patients", '{"display_name": ', clinic["headers"])
    assert response.status_code == 400
