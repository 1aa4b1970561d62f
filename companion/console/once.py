"""What a form's result page shows once after its redirect (Post/Redirect/Get): a new code,
key or password travels in the session cookie to the next page, encrypted (the cookie is
only signed), and is gone after that page, so a reload shows nothing again and repeats nothing.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, request, session

ONCE_KEY = "once"
# Long enough for the redirect and a slow page load, short enough that a stale cookie shows nothing.
TTL_SECONDS = 300


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"console once").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def keep(path: str, **values: Any) -> str:
    """Hand `values` (JSON-able) to the page at `path`, the one the form redirects to; returns `path`."""
    token = _fernet().encrypt(json.dumps({"path": path, "values": values}, default=str).encode()).decode()
    session[ONCE_KEY] = token
    return path


def take() -> dict[str, Any]:
    """What the previous POST handed to this page, once; {} on a reload, on another page, or after the time limit."""
    token = session.pop(ONCE_KEY, None)
    if not token:
        return {}
    try:
        kept = json.loads(_fernet().decrypt(str(token).encode(), ttl=TTL_SECONDS))
    except (InvalidToken, ValueError):
        return {}
    here = request.script_root + request.path  # url_for(), which made `path`, includes the script root
    if not isinstance(kept, dict) or kept.get("path") != here or not isinstance(kept.get("values"), dict):
        return {}
    return dict(kept["values"])


def forget() -> None:
    """After any other page: a value not taken by its own page is not carried on to a later visit."""
    if ONCE_KEY in session:
        session.pop(ONCE_KEY)
