"""Driving the console as a browser would through the Flask test client: a page's
CSRF token is read from the page, the cookie jar carries the session."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from companion.staff.service import change_password, create_staff

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
STRONG_PASSWORD = "correct horse battery staple"


def csrf(client, path: str) -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no form on {path} ({page.status_code})"
    return found.group(1)


def post(client, path: str, data: dict[str, Any], *, form_page: str | None = None, follow: bool = False):
    """`follow`: open the page the form redirects to, as a browser does after Post/Redirect/Get."""
    return client.post(path, data={"csrf_token": csrf(client, form_page or path), **data}, follow_redirects=follow)


def make_staff(app, clinic_id: int, email: str, role: str = "admin", *, ready: bool = True) -> str:
    """Returns the password to sign in with; `ready` replaces the one-time one as a person would."""
    with app.app_context():
        member, password = create_staff(clinic_id, email, role)
        if ready:
            change_password(member, password, STRONG_PASSWORD)
            return STRONG_PASSWORD
        return password


def sign_in(client, email: str, password: str):
    return post(client, "/console/login", {"email": email, "password": password})


class _Text(HTMLParser):
    """What a reader sees of a page: text outside script and style, and the labels read aloud."""

    SPOKEN = ("aria-label", "title", "alt", "placeholder", "data-label", "label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)
