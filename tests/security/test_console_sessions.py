"""Console sessions end on the server (issue 17, findings 1 and 11): a copy of the cookie,
taken before, stops working after sign-out, a password change, a role change, an
administrator's "sign out everywhere", idle time and the absolute lifetime. The cookie
is a browser-session cookie and Secure whenever the request reached us over https."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.core.clock import clock
from tests.console.helpers import STRONG_PASSWORD, csrf, make_staff, post, sign_in
from tests.factories import create_clinic

COOKIE = "companion_console"
NEW_PASSWORD = "violet kettle harbour lantern"


def _signed_in(app, email="nurse@clinic.example", role="staff", clinic=None):
    clinic = clinic or create_clinic(app)
    client = app.test_client()
    assert sign_in(client, email, make_staff(app, clinic["id"], email, role)).status_code == 302
    return clinic, client


def _copy(app, client):
    """A second browser holding the same cookie (stolen, or left on a shared computer)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def _works(client) -> bool:
    return client.get("/console/").status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(app):
    _, client = _signed_in(app)
    thief = _copy(app, client)
    assert _works(thief)
    post(client, "/console/logout", {}, form_page="/console/")
    assert not _works(client)
    assert not _works(thief)


def test_a_password_change_ends_every_other_session_but_keeps_this_one(app):
    _, client = _signed_in(app)
    thief = _copy(app, client)
    changed = post(client, "/console/password", {"current": STRONG_PASSWORD, "new": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _works(client)
    assert not _works(thief)


def test_a_role_change_ends_the_members_sessions(app):
    clinic, admin = _signed_in(app, "admin@clinic.example", "admin")
    _, nurse = _signed_in(app, "nurse@clinic.example", "staff", clinic=clinic)
    thief = _copy(app, nurse)
    member_id = _staff_id(app, "nurse@clinic.example")
    promoted = post(
        admin, f"/console/settings/staff/{member_id}/role", {"role": "admin"}, form_page="/console/settings"
    )
    assert promoted.status_code == 302
    assert not _works(nurse) and not _works(thief)
    assert sign_in(nurse, "nurse@clinic.example", STRONG_PASSWORD).status_code == 302
    assert nurse.get("/console/settings").status_code == 200  # the new role, from a fresh session
    assert _works(admin)


def test_an_admin_signs_a_member_out_everywhere(app):
    clinic, admin = _signed_in(app, "admin@clinic.example", "admin")
    _, nurse = _signed_in(app, "nurse@clinic.example", "staff", clinic=clinic)
    thief = _copy(app, nurse)
    member_id = _staff_id(app, "nurse@clinic.example")
    settings = admin.get("/console/settings").get_data(as_text=True)
    assert f"/console/settings/staff/{member_id}/sessions/end" in settings
    ended = post(
        admin, f"/console/settings/staff/{member_id}/sessions/end", {}, form_page="/console/settings", follow=True
    )
    assert ended.status_code == 200 and 'id="sessions-ended"' in ended.get_data(as_text=True)
    assert not _works(nurse) and not _works(thief)
    assert _works(admin)


def test_ending_sessions_needs_the_csrf_token_and_an_admin_of_the_same_clinic(app):
    clinic, admin = _signed_in(app, "admin@clinic.example", "admin")
    _, nurse = _signed_in(app, "nurse@clinic.example", "staff", clinic=clinic)
    _, stranger = _signed_in(app, "admin@other.example", "admin", clinic=create_clinic(app, "Otra"))
    member_id = _staff_id(app, "nurse@clinic.example")
    path = f"/console/settings/staff/{member_id}/sessions/end"
    assert admin.post(path, data={}).status_code == 400  # no CSRF token
    assert post(nurse, path, {}, form_page="/console/").status_code == 403
    assert post(stranger, path, {}, form_page="/console/settings").status_code == 404
    assert _works(nurse)


@pytest.mark.parametrize("step_minutes", [25])
def test_a_busy_session_still_ends_after_the_maximum_lifetime(app, step_minutes):
    clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    _, client = _signed_in(app)
    thief = _copy(app, client)
    used = timedelta(0)
    while used + timedelta(minutes=step_minutes) < timedelta(hours=12):
        clock.advance(timedelta(minutes=step_minutes))
        used += timedelta(minutes=step_minutes)
        assert _works(client), f"ended early, after {used}"
    clock.advance(timedelta(hours=12) - used + timedelta(minutes=1))
    page = client.get("/console/", follow_redirects=True)
    assert "Please sign in again" in page.get_data(as_text=True)
    assert not _works(thief)


def test_a_session_unused_for_the_idle_time_needs_a_new_sign_in(app):
    clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    _, client = _signed_in(app)
    thief = _copy(app, client)
    clock.advance(timedelta(minutes=29))
    assert _works(client)
    clock.advance(timedelta(minutes=31))
    assert not _works(thief)
    page = client.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in again" in page  # the sign-in page says why
    assert not _works(client)


def test_the_cookie_holds_no_staff_id_and_lives_only_as_long_as_the_browser(app):
    clinic = create_clinic(app)
    client = app.test_client()
    password = make_staff(app, clinic["id"], "nurse@clinic.example", "staff")
    response = post(client, "/console/login", {"email": "nurse@clinic.example", "password": password})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    attributes = header.lower()
    assert "expires=" not in attributes and "max-age=" not in attributes
    assert "httponly" in attributes and "samesite=lax" in attributes
    payload = _cookie_payload(app, client.get_cookie(COOKIE).value)
    assert "staff_id" not in payload and set(payload) <= {"sid", "csrf_token"}


def test_cookies_are_secure_behind_a_trusted_tls_proxy_and_with_force_https(app, make_app):
    clinic = create_clinic(app)
    password = make_staff(app, clinic["id"], "nurse@clinic.example", "staff")
    behind_proxy = make_app(TRUSTED_PROXIES=1)
    proxied = behind_proxy.test_client()
    proxy_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    token = csrf(proxied, "/console/login")
    answer = proxied.post(
        "/console/login",
        data={"csrf_token": token, "email": "nurse@clinic.example", "password": password},
        headers=proxy_headers,
    )
    assert answer.status_code == 302
    assert "secure" in _set_cookie(answer).lower()

    forced = make_app(FORCE_HTTPS=True).test_client()
    plain = forced.get("/console/login?next=/console/")
    assert plain.status_code == 308 and plain.headers["Location"] == "https://localhost/console/login?next=/console/"
    over_tls = forced.get("/console/login", base_url="https://localhost")
    assert over_tls.status_code == 200
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "secure" in _set_cookie(over_tls).lower()
    assert forced.get("/healthz").status_code != 308  # the load balancer's plain-http probe still answers


def _set_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))


def _cookie_payload(app, value: str) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(value))


def _staff_id(app, email: str) -> int:
    from companion.extensions import db
    from companion.staff.models import StaffMember

    with app.app_context():
        return db.session.scalar(db.select(StaffMember.id).where(StaffMember.email == email))
