"""The console: export download, erase with a typed name (admins only), the audit list."""

from __future__ import annotations

from tests import factories
from tests.console.helpers import make_staff, post, sign_in


def _browser(app, clinic, email, role):
    browser = app.test_client()
    sign_in(browser, email, make_staff(app, clinic["id"], email, role=role))
    return browser


def test_export_downloads_the_document(app, client):
    clinic = factories.create_clinic(app)
    pid = factories.enroll(client, clinic, display_name="Desk Canary")["id"]
    browser = _browser(app, clinic, "nurse@clinic.test", "staff")
    response = browser.get(f"/console/patients/{pid}/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["patient"]["display_name"] == "Desk Canary"


def test_erase_needs_an_admin_and_the_exact_name(app, client):
    clinic = factories.create_clinic(app)
    pid = factories.enroll(client, clinic, display_name="Desk Canary")["id"]
    nurse = _browser(app, clinic, "nurse@clinic.test", "staff")
    assert nurse.get(f"/console/patients/{pid}/erase").status_code == 403
    admin = _browser(app, clinic, "boss@clinic.test", "admin")
    page = f"/console/patients/{pid}/erase"
    assert post(admin, page, {"confirm_name": "Desk"}).status_code == 422
    assert client.get(f"/v1/patients/{pid}", headers=clinic["headers"]).status_code == 200
    assert post(admin, page, {"confirm_name": "Desk Canary"}).status_code == 302
    assert client.get(f"/v1/patients/{pid}", headers=clinic["headers"]).status_code == 404

    settings = admin.get(f"/console/settings?audit_patient={pid}").get_data(as_text=True)
    assert f"erased patient #{pid}" in settings and "Desk Canary" not in settings


def test_another_clinics_patient_cannot_be_exported_or_erased(app, client):
    ours, theirs = factories.create_clinic(app), factories.create_clinic(app, "Other")
    pid = factories.enroll(client, theirs)["id"]
    admin = _browser(app, ours, "boss@clinic.test", "admin")
    assert admin.get(f"/console/patients/{pid}/export").status_code == 404
    assert admin.get(f"/console/patients/{pid}/erase").status_code == 404
