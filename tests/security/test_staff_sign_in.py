"""Staff sign-in (issue 17, findings 9, 10 and 14): a per-account delay that grows with
wrong passwords but never locks the owner out for good, a password rule every path
obeys, invitations that expire and can be renewed, and e-mail addresses unique per
clinic only, so no clinic learns of (or blocks) an account elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from companion.core.clock import clock
from tests.console.helpers import STRONG_PASSWORD, csrf, make_staff, post, sign_in
from tests.factories import create_clinic

EMAIL = "nurse@clinic.example"
_addresses = count(1)


def _from_a_new_address(client, email: str, password: str, **extra):
    """One try from an address the per-address limit has not seen (a spread-out attacker)."""
    environ = {"REMOTE_ADDR": f"198.51.100.{next(_addresses) % 250 + 1}"}
    token = csrf(client, "/console/login")
    return client.post(
        "/console/login",
        data={"csrf_token": token, "email": email, "password": password, **extra},
        environ_base=environ,
    )


def test_wrong_passwords_for_one_account_slow_it_down_from_any_address(app, client):
    clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    clinic = create_clinic(app)
    password = make_staff(app, clinic["id"], EMAIL, "staff")
    for _ in range(5):
        assert _from_a_new_address(client, EMAIL, "guess guess guess").status_code == 401
    refused = _from_a_new_address(client, EMAIL, password)  # even the right password waits now
    assert refused.status_code == 401 and "wait a few minutes" in refused.get_data(as_text=True)
    unknown = _from_a_new_address(client, "nobody@clinic.example", "guess guess guess")
    assert _message(unknown) == _message(refused)  # a waiting account does not show that it exists
    clock.advance(timedelta(seconds=16))
    assert _from_a_new_address(client, EMAIL, password).status_code == 302


def test_the_delay_doubles_up_to_a_cap_and_never_locks_the_owner_out(app, client):
    clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    clinic = create_clinic(app)
    password = make_staff(app, clinic["id"], EMAIL, "staff")
    for _ in range(40):  # an attacker who keeps trying, waiting out every delay
        _from_a_new_address(client, EMAIL, "guess guess guess")
        clock.advance(timedelta(minutes=15))
    _from_a_new_address(client, EMAIL, "guess guess guess")
    clock.advance(timedelta(minutes=14))
    assert _from_a_new_address(client, EMAIL, password).status_code == 401
    clock.advance(timedelta(minutes=1, seconds=1))  # the cap (COMPANION_SIGNIN_ACCOUNT_MAX_DELAY_SECONDS) is 15 min
    assert _from_a_new_address(client, EMAIL, password).status_code == 302


def test_guessable_passwords_are_refused_with_a_clear_message_in_the_staff_language(app, client):
    clinic = create_clinic(app)
    one_time = make_staff(app, clinic["id"], EMAIL, "staff", ready=False)
    assert sign_in(client, EMAIL, one_time).status_code == 302
    for weak in ("aaaaaaaaaaaa", "password1234", "nurse@clinic.example1", "Clinica Sol 2026"):
        answer = post(client, "/console/password", {"current": one_time, "new": weak})
        assert answer.status_code == 422, weak
        assert "too easy to guess" in answer.get_data(as_text=True), weak
    with app.app_context():  # the member reads the console in Spanish
        from companion.extensions import db
        from companion.staff.models import StaffMember

        db.session.execute(db.update(StaffMember).values(locale="es"))
        db.session.commit()
    answer = post(client, "/console/password", {"current": one_time, "new": "qwertyuiop12"})
    assert answer.status_code == 422 and "demasiado fácil de adivinar" in answer.get_data(as_text=True)
    assert post(client, "/console/password", {"current": one_time, "new": STRONG_PASSWORD}).status_code == 302


def test_the_cli_applies_the_same_password_rule(app, client):
    clinic = create_clinic(app)
    make_staff(app, clinic["id"], EMAIL, "admin")
    runner = app.test_cli_runner()
    base = ["companion", "staff", "set-password", "--clinic-id", str(clinic["id"]), "--email", EMAIL]
    weak = runner.invoke(args=[*base, "--password", "aaaaaaaaaaaa"])
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    strong = runner.invoke(args=[*base, "--password", "amber glacier pocket violin"])
    assert strong.exit_code == 0, strong.output
    assert sign_in(client, EMAIL, "amber glacier pocket violin").status_code == 302


def test_a_one_time_password_expires_and_an_admin_can_invite_again(app, client):
    clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    clinic = create_clinic(app)
    admin = app.test_client()
    assert sign_in(admin, "admin@clinic.example", make_staff(app, clinic["id"], "admin@clinic.example")).status_code
    invited = post(
        admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings", follow=True
    )
    first = _shown_password(invited)
    clock.advance(timedelta(hours=72, minutes=1))
    admin_still = sign_in(admin, "admin@clinic.example", STRONG_PASSWORD)
    assert admin_still.status_code == 302
    expired = sign_in(client, EMAIL, first)
    assert expired.status_code == 401 and "one-time password has expired" in expired.get_data(as_text=True)
    again = post(
        admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings", follow=True
    )
    assert again.status_code == 200
    second = _shown_password(again)
    assert second != first
    assert sign_in(client, EMAIL, first).status_code == 401
    assert sign_in(client, EMAIL, second).status_code == 302


def test_an_unexpired_invitation_is_not_reissued_behind_the_members_back(app):
    clinic = create_clinic(app)
    admin = app.test_client()
    sign_in(admin, "admin@clinic.example", make_staff(app, clinic["id"], "admin@clinic.example"))
    post(admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings")
    again = post(admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings")
    assert again.status_code == 422 and "already has an account at this clinic" in again.get_data(as_text=True)


def test_an_address_may_have_an_account_at_two_clinics_without_either_learning_of_it(app, client):
    north, south = create_clinic(app, "Norte"), create_clinic(app, "Sur")
    north_password = make_staff(app, north["id"], EMAIL, "staff")
    admin = app.test_client()
    sign_in(admin, "admin@sur.example", make_staff(app, south["id"], "admin@sur.example"))
    invited = post(
        admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings", follow=True
    )
    assert invited.status_code == 200, invited.get_data(as_text=True)  # no "already has an account"
    south_once = _shown_password(invited)
    assert sign_in(client, EMAIL, south_once).status_code == 302
    post(client, "/console/password", {"current": south_once, "new": "amber glacier pocket violin"})
    assert "Sur" in client.get("/console/settings").get_data(as_text=True)
    post(client, "/console/logout", {}, form_page="/console/")
    assert sign_in(client, EMAIL, north_password).status_code == 302  # the password tells the accounts apart
    assert "Norte" in client.get("/console/settings").get_data(as_text=True)


def test_one_address_with_one_password_at_two_clinics_is_asked_which_clinic(app, client):
    north, south = create_clinic(app, "Norte"), create_clinic(app, "Sur")
    make_staff(app, north["id"], EMAIL, "staff")
    make_staff(app, south["id"], EMAIL, "staff")
    asked = sign_in(client, EMAIL, STRONG_PASSWORD)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="choose-clinic"' in page
    assert f'<option value="{south["id"]}">Sur</option>' in page and STRONG_PASSWORD not in page
    chosen = post(client, "/console/login", {"email": EMAIL, "password": STRONG_PASSWORD, "clinic_id": south["id"]})
    assert chosen.status_code == 302
    assert "Sur" in client.get("/console/settings").get_data(as_text=True)


def test_a_removed_member_can_be_invited_again(app, client):
    clinic = create_clinic(app)
    admin = app.test_client()
    sign_in(admin, "admin@clinic.example", make_staff(app, clinic["id"], "admin@clinic.example"))
    old_password = make_staff(app, clinic["id"], EMAIL, "staff")
    member_id = _staff_id(app, EMAIL)
    post(admin, f"/console/settings/staff/{member_id}/remove", {}, form_page="/console/settings")
    assert sign_in(client, EMAIL, old_password).status_code == 401
    again = post(
        admin, "/console/settings/staff", {"email": EMAIL, "role": "staff"}, form_page="/console/settings", follow=True
    )
    assert again.status_code == 200, again.get_data(as_text=True)
    assert sign_in(client, EMAIL, old_password).status_code == 401  # the old password does not come back
    assert sign_in(client, EMAIL, _shown_password(again)).status_code == 302


def _message(page) -> str:
    return page.get_data(as_text=True).split('id="login-error">')[1].split("<")[0]


def _shown_password(page) -> str:
    import re

    found = re.search(r'id="invited-password">([^<]+)<', page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:2000]
    return found.group(1)


def _staff_id(app, email: str) -> int:
    from companion.extensions import db
    from companion.staff.models import StaffMember

    with app.app_context():
        return db.session.scalar(db.select(StaffMember.id).where(StaffMember.email == email))
