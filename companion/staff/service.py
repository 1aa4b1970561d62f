"""Clinic staff accounts: created with a one-time password, signed in with a slow hash.

Werkzeug's scrypt is the password KDF; a lookup of an unknown e-mail still pays for one
hash, so timing does not tell which addresses have accounts.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid, NotFound
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.staff.models import ROLES, StaffMember

MIN_PASSWORD_LENGTH = 12
_KDF = "scrypt"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=_KDF)


def _normalize(email: str) -> str:
    return email.strip().lower()


def new_password() -> str:
    """Shown once; long enough that typing it is the only way in."""
    return secrets.token_urlsafe(12)


@unit_of_work
def create_staff(
    clinic_id: int, email: str, role: str, *, name: str | None = None, locale: str = "en"
) -> tuple[StaffMember, str]:
    """A staff member and the one-time password to hand over; it must be changed at first sign-in."""
    email = _normalize(email)
    if "@" not in email or len(email) > 254:
        raise Invalid("Enter a valid e-mail address.", fields={"email": ["Enter a valid e-mail address."]})
    if role not in ROLES:
        raise Invalid("Unknown role.", fields={"role": [f"One of {', '.join(ROLES)}."]})
    password = new_password()
    member = StaffMember(
        clinic_id=clinic_id,
        email=email,
        role=role,
        name=name,
        locale=locale,
        password_hash=generate_password_hash(password, method=_KDF),
    )
    try:
        with db.session.begin_nested():
            db.session.add(member)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "This e-mail address already has an account.", fields={"email": ["Already has an account."]}
        ) from None
    return member, password


@unit_of_work
def authenticate(email: str, password: str) -> StaffMember | None:
    member = db.session.scalar(select(StaffMember).where(StaffMember.email == _normalize(email)))
    if member is None or not member.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(member.password_hash, password):
        return None
    member.last_sign_in_at = utcnow()
    return member


def get_staff(staff_id: int) -> StaffMember | None:
    member = db.session.get(StaffMember, staff_id)
    return member if member is not None and member.active else None


def list_staff(clinic_id: int) -> list[StaffMember]:
    return list(
        db.session.scalars(db.select(StaffMember).where(StaffMember.clinic_id == clinic_id).order_by(StaffMember.email))
    )


@unit_of_work
def change_password(member: StaffMember, current: str, new: str) -> None:
    if not check_password_hash(member.password_hash, current):
        raise Invalid("The current password is not right.", fields={"current": ["Not right."]})
    if len(new) < MIN_PASSWORD_LENGTH:
        raise Invalid("Too short.", fields={"new": [f"At least {MIN_PASSWORD_LENGTH} characters."]})
    if new == current:
        raise Invalid("Choose a new password.", fields={"new": ["Must differ from the current one."]})
    member.password_hash = generate_password_hash(new, method=_KDF)
    member.must_change_password = False


@unit_of_work
def set_locale(member: StaffMember, locale: str) -> None:
    member.locale = locale


@unit_of_work
def deactivate(clinic_id: int, staff_id: int, *, by: StaffMember) -> None:
    member = db.session.get(StaffMember, staff_id)
    if member is None or member.clinic_id != clinic_id:
        raise NotFound("No such staff member.")
    if member.id == by.id:
        raise Conflict("You cannot remove your own account.")
    member.active = False
