"""Joining the patient app with the hand-out's code: only a POST spends it, and it never reaches a log."""

from __future__ import annotations

import logging
from datetime import timedelta

from companion.core.auth import PATIENT_APP_COOKIE
from companion.core.clock import clock
from tests.patient_app.helpers import csrf, enrolled_patient, join


def test_enrollment_returns_a_join_link_with_the_code_in_its_fragment(app, client):
    made = enrolled_patient(app, client, treated=False)
    patient = made["patient"]
    assert patient["join_url"] == f"http://127.0.0.1:8000/app/join#{patient['enrollment_code']}"
    again = client.post(f"/v1/patients/{patient['id']}/enrollment-code", headers=made["clinic"]["headers"])
    assert again.get_json()["join_url"].endswith("/app/join#" + again.get_json()["enrollment_code"])


def test_join_link_base_is_the_public_url_setting(make_app):
    other = make_app(PUBLIC_URL="https://care.clinic.example")
    with other.test_request_context():
        from companion.patients.service import join_url

        assert join_url("ABCD-EFGH-JKMN") == "https://care.clinic.example/app/join#ABCD-EFGH-JKMN"


def test_fetching_the_join_page_leaves_the_code_unspent(app, client):
    """A link previewer or mail scanner GETs the page (the fragment never even reaches us)."""
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    for _ in range(3):
        page = client.get("/app/join")
        assert page.status_code == 200
        assert code not in page.get_data(as_text=True)
    assert client.post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 201


def test_continue_spends_the_code_and_signs_this_phone_in(app, client):
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    response = join(client, code.lower().replace("-", " "))
    assert response.status_code == 303 and response.headers["Location"].endswith("/app/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{PATIENT_APP_COOKIE}=pt_")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/app" in cookie
    assert "Secure" not in cookie  # plain http on localhost
    assert client.get("/app/").status_code == 200
    assert client.get("/app/join").status_code == 303  # already signed in: straight to Today
    spent = client.post("/v1/patient-sessions", json={"enrollment_code": code})
    assert spent.status_code == 401


def test_cookie_is_secure_over_https(app, client):
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    token = csrf(client, "/app/join")
    response = client.post(
        "/app/join", data={"csrf_token": token, "code": code}, base_url="https://localhost", headers={}
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_used_or_expired_code_gives_a_clear_page(app, client):
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    assert join(client, code).status_code == 303
    other = app.test_client()
    used = join(other, code)
    assert used.status_code == 401
    assert "unknown, used or expired" in used.get_data(as_text=True)
    assert PATIENT_APP_COOKIE not in used.headers.get("Set-Cookie", "")

    fresh = enrolled_patient(app, app.test_client(), treated=False)  # second clinic, its own patient
    clock.freeze(clock.now() + timedelta(hours=73))
    expired = join(app.test_client(), fresh["patient"]["enrollment_code"])
    assert expired.status_code == 401
    assert "Ask your clinic for a new one" in expired.get_data(as_text=True)


def test_an_empty_code_asks_for_it(app, client):
    response = join(client, "  ")
    assert response.status_code == 422
    assert "Type the code from your hand-out" in response.get_data(as_text=True)


def test_join_without_the_csrf_token_spends_nothing(app, client):
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    client.get("/app/join")
    response = client.post("/app/join", data={"code": code})
    assert response.status_code == 400
    assert client.post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 201


def test_the_code_never_reaches_the_access_log(app, caplog):
    """The real server's access log (werkzeug's request lines) for the whole join: the page, the POST, Today."""
    import threading
    import urllib.request
    from http.cookiejar import CookieJar

    from werkzeug.serving import make_server

    from tests.patient_app.helpers import TOKEN

    client = app.test_client()
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            page = opener.open(f"{base}/app/join#{code}").read().decode()  # urllib, like browsers, drops #…
            token = TOKEN.search(page).group(1)
            body = urllib.parse.urlencode({"csrf_token": token, "code": code}).encode()
            today = opener.open(f"{base}/app/join", data=body)
            assert today.geturl() == f"{base}/app/"
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /app/join" in line for line in lines), lines
    assert not [line for line in lines if code in line or code.replace("-", "") in line]
