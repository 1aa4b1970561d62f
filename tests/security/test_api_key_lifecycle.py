"""Finding 16: every key records who made it, a clinic holds a bounded number of live keys, and
a new webhook URL gets a new signing secret, shown once."""

from __future__ import annotations

from tests.console.helpers import make_staff, post
from tests.console.helpers import sign_in as console_sign_in
from tests.factories import create_clinic


def test_every_key_records_its_creator(app, client):
    clinic = create_clinic(app)
    headers = clinic["headers"]
    first = client.get("/v1/clinic/api-keys", headers=headers).get_json()["items"][0]
    assert (first["created_by_kind"], first["created_by_id"]) == ("cli", None)
    made = client.post("/v1/clinic/api-keys", headers=headers).get_json()
    assert (made["created_by_kind"], made["created_by_id"]) == ("api_key", first["id"])
    password = make_staff(app, clinic["id"], "admin@sol.test")
    console_sign_in(client, "admin@sol.test", password)
    assert post(client, "/console/settings/api-keys", {}, form_page="/console/settings").status_code == 302
    keys = client.get("/v1/clinic/api-keys", headers=headers).get_json()["items"]
    assert keys[-1]["created_by_kind"] == "staff" and keys[-1]["created_by_id"] is not None


def test_live_keys_per_clinic_are_capped(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_API_KEYS", 3)
    clinic = create_clinic(app)
    headers = clinic["headers"]
    made = [client.post("/v1/clinic/api-keys", headers=headers) for _ in range(3)]
    assert [answer.status_code for answer in made] == [201, 201, 409]
    refused = made[-1].get_json()["error"]
    assert refused["code"] == "api_key_limit" and "revoke" in refused["message"]
    assert client.get("/v1/clinic/api-keys", headers=headers).get_json()["total"] == 3
    assert client.delete(f"/v1/clinic/api-keys/{made[0].get_json()['id']}", headers=headers).status_code == 204
    assert client.post("/v1/clinic/api-keys", headers=headers).status_code == 201


def test_the_default_cap_is_twenty(app):
    assert app.config["MAX_API_KEYS"] == 20


def test_a_new_webhook_url_gets_a_new_secret_shown_once(app, client, local_webhooks):
    clinic = create_clinic(app)
    headers = clinic["headers"]
    first = client.patch("/v1/clinic", json={"webhook_url": "http://127.0.0.1:9/a"}, headers=headers).get_json()
    moved = client.patch("/v1/clinic", json={"webhook_url": "http://127.0.0.1:9/b"}, headers=headers).get_json()
    assert first["webhook_secret"] and moved["webhook_secret"] and moved["webhook_secret"] != first["webhook_secret"]
    same = client.patch("/v1/clinic", json={"webhook_url": "http://127.0.0.1:9/b", "name": "Sol"}, headers=headers)
    assert "webhook_secret" not in same.get_json()
    assert "webhook_secret" not in client.get("/v1/clinic", headers=headers).get_json()
