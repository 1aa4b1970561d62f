"""Bearer secrets: generated with enough entropy that a plain SHA-256 is a safe
stored form (no slow hash needed), compared by hash lookup only."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import request

from companion.core.errors import Unauthorized
from companion.core.transaction import reads_first

P = ParamSpec("P")
R = TypeVar("R")


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# The patient web app's sign-in cookie: it holds a patient token, exactly what the app's API sends as a bearer.
PATIENT_APP_COOKIE = "companion_patient"


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send your credentials as 'Authorization: Bearer <token>'.")
    return token


def checks_credentials(authenticate: Callable[P, R]) -> Callable[P, R]:
    """Marks the function that finds a request's caller: on a write request its reads end in
    a transaction of their own, so a wrong credential is refused without waiting for another
    writer, and the service alone holds the write lock (see `core.transaction`)."""

    @functools.wraps(authenticate)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reads_first():
            return authenticate(*args, **kwargs)

    return wrapper


CLINIC_SECURITY: list[dict[str, list[str]]] = [{"clinicKey": []}]
PATIENT_SECURITY: list[dict[str, list[str]]] = [{"patientToken": []}]
