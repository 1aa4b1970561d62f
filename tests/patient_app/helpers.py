"""Driving the patient app as a phone's browser would, through the Flask test client: the join
page's CSRF token read from the page, the cookie jar carrying the sign-in."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import create_clinic, enroll, record_treatment

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path: str) -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no form on {path} ({page.status_code})"
    return found.group(1)


def post(client, path: str, data: dict[str, Any], *, form_page: str | None = None):
    return client.post(path, data={"csrf_token": csrf(client, form_page or path), **data})


def join(client, code: str):
    return post(client, "/app/join", {"code": code})


def enrolled_patient(app, client, *, treated: bool = True, **overrides: Any) -> dict[str, Any]:
    """A clinic with phone and hours, one enrolled patient (Madrid, English unless told), treated 30 min ago."""
    clinic = create_clinic(app, "Clínica Luz")
    client.patch(
        "/v1/clinic", json={"phone": "+34 600 111 222", "hours": "Mon–Fri 9:00–18:00"}, headers=clinic["headers"]
    )
    patient = enroll(client, clinic, **{"locale": "en", **overrides})
    if treated:
        record_treatment(client, clinic, patient["id"])
    return {"clinic": clinic, "patient": patient}
