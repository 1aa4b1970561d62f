"""Clinic staff accounts: invited with a one-time password, signed in with a slow hash.

Werkzeug's scrypt is the password KDF; a lookup of an unknown e-mail still pays for one
hash, so timing does not tell which addresses have accounts. An e-mail address is unique
within a clinic only, so the same person may work at two clinics and no clinic learns of
the other account: sign-in tells accounts apart by the password, and asks for the clinic
only when one address and password fit several.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from companion.audit import service as audit
from companion.audit.models import STAFF
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid, NotFound
from companion.core.field_messages import ONE_OF
from companion.core.i18n import N_
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.staff import sessions
from companion.staff.models import ROLES, StaffMember
from companion.staff.passwords import SAME_AS_CURRENT, require_strong

_KDF = "scrypt"
WRONG = N_("Wrong e-mail or password. After several wrong tries, wait a few minutes before the next.")
EXPIRED = N_("This one-time password has expired. Ask your clinic's administrator to invite you again.")
ALREADY_MEMBER = N_("This e-mail address already has an account at this clinic.")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=_KDF)


def _normalize(email: str) -> str:
    return email.strip().lower()


def new_password() -> str:
    """Shown once; long enough that typing it is the only way in."""
    return secrets.token_urlsafe(12)


def _issue_one_time_password(member: StaffMember) -> str:
    password = new_password()
    member.password_hash = generate_password_hash(password, method=_KDF)
    member.must_change_password = True
    member.password_expires_at = utcnow() + timedelta(hours=current_app.config["INVITE_TTL_HOURS"])
    member.failed_sign_ins = 0
    member.sign_in_blocked_until = None
    return password


@unit_of_work
def create_staff(
    clinic_id: int, email: str, role: str, *, name: str | None = None, locale: str = "en"
) -> tuple[StaffMember, str]:
    """A staff member and the one-time password to hand over (it expires after
    INVITE_TTL_HOURS and must be changed at first sign-in). Inviting an address again
    re-issues the password of a removed member, or of one whose invitation expired."""
    email = _normalize(email)
    if "@" not in email or len(email) > 254:
        raise Invalid(N_("Enter a valid e-mail address."), fields={"email": [N_("Enter a valid e-mail address.")]})
    if role not in ROLES:
        raise Invalid(N_("Unknown role."), fields={"role": [ONE_OF.format(choices=", ".join(ROLES))]})
    query = db.select(StaffMember).where(StaffMember.clinic_id == clinic_id, StaffMember.email == email)
    member = db.session.scalar(query.with_for_update())
    if member is not None and member.active and not _one_time_password_expired(member, utcnow()):
        raise Conflict(ALREADY_MEMBER, fields={"email": [ALREADY_MEMBER]})
    if member is None:
        member = StaffMember(clinic_id=clinic_id, email=email)
        db.session.add(member)
    else:
        sessions.end_all(member.id)
    member.role, member.name, member.locale, member.active = role, name, locale, True
    password = _issue_one_time_password(member)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same address invited twice at once
        raise Conflict(ALREADY_MEMBER, fields={"email": [ALREADY_MEMBER]}) from None
    audit.record(None, "staff invited", target=f"staff_id={member.id},role={role}")
    return member, password


@dataclass
class SignInOutcome:
    member: StaffMember | None = None
    token: str | None = None  # the new console session's id, for the cookie
    error: str | None = None
    clinics: list[tuple[int, str]] = field(default_factory=list)  # to choose from


def _delay(failures: int) -> timedelta:
    """Free tries first, then a wait that doubles with each wrong password, up to a cap:
    guessing slows to a crawl while the owner is never locked out for good."""
    free = current_app.config["SIGNIN_ACCOUNT_FREE_FAILURES"]
    if failures < free:
        return timedelta(0)
    cap = current_app.config["SIGNIN_ACCOUNT_MAX_DELAY_SECONDS"]
    return timedelta(seconds=min(cap, 2 ** min(failures - free, 20) * 15))


@unit_of_work
def sign_in(email: str, password: str, clinic_id: int | None = None) -> SignInOutcome:
    """Check the password against the address's accounts (not those waiting out a delay)
    and start a console session for the one it fits."""
    now = utcnow()
    query = db.select(StaffMember).where(StaffMember.email == _normalize(email), StaffMember.active.is_(True))
    if clinic_id is not None:
        query = query.where(StaffMember.clinic_id == clinic_id)
    accounts = list(db.session.scalars(query.order_by(StaffMember.id).with_for_update()))
    if accounts:  # a refusal is recorded too (the audit's after-request hook)
        audit.set_actor(STAFF, accounts[0].id, accounts[0].clinic_id, action="console sign-in")
    open_accounts = [m for m in accounts if m.sign_in_blocked_until is None or m.sign_in_blocked_until <= now]
    if not open_accounts:
        check_password_hash(_dummy_hash(), password)  # the same time as a real check
        return SignInOutcome(error=WRONG)
    fits = [m for m in open_accounts if check_password_hash(m.password_hash, password)]
    if not fits:
        for member in open_accounts:
            member.failed_sign_ins += 1
            wait = _delay(member.failed_sign_ins)
            member.sign_in_blocked_until = now + wait if wait else None
        return SignInOutcome(error=WRONG)
    for member in fits:
        member.failed_sign_ins, member.sign_in_blocked_until = 0, None
    fits = [m for m in fits if not _one_time_password_expired(m, now)]
    if not fits:
        return SignInOutcome(error=EXPIRED)
    if len(fits) > 1:
        names = dict(
            db.session.execute(
                db.select(Clinic.id, Clinic.name).where(Clinic.id.in_([m.clinic_id for m in fits]))
            ).all()
        )
        return SignInOutcome(clinics=[(m.clinic_id, names.get(m.clinic_id, "")) for m in fits])
    member = fits[0]
    member.last_sign_in_at = now
    audit.set_actor(STAFF, member.id, member.clinic_id, action="console sign-in")
    audit.record(None, "console sign-in")
    return SignInOutcome(member=member, token=sessions.start(member.id))


def _one_time_password_expired(member: StaffMember, now: datetime) -> bool:
    return member.must_change_password and member.password_expires_at is not None and member.password_expires_at <= now


def get_staff(staff_id: int) -> StaffMember | None:
    member = db.session.get(StaffMember, staff_id)
    return member if member is not None and member.active else None


def list_staff(clinic_id: int) -> list[StaffMember]:
    return list(
        db.session.scalars(db.select(StaffMember).where(StaffMember.clinic_id == clinic_id).order_by(StaffMember.email))
    )


def _user_inputs(member: StaffMember) -> list[str]:
    clinic = db.session.get(Clinic, member.clinic_id)
    return [member.email, member.name or "", clinic.name if clinic else ""]


@unit_of_work
def change_password(member: StaffMember, current: str, new: str) -> str:
    """Every console session of this person ends, a copied cookie included; the browser
    that made the change goes on in the new session whose token this returns."""
    if not check_password_hash(member.password_hash, current):
        raise Invalid(N_("The current password is not right."), fields={"current": [N_("Not right.")]})
    if new == current:
        raise Invalid(SAME_AS_CURRENT, fields={"new": [SAME_AS_CURRENT]})
    set_password(member, new)
    return sessions.start(member.id)


@unit_of_work
def set_password(member: StaffMember, new: str) -> None:
    """The one place a chosen password is stored (console and CLI): checked for strength
    first; the person's console sessions end."""
    require_strong(new, user_inputs=_user_inputs(member))
    member.password_hash = generate_password_hash(new, method=_KDF)
    member.must_change_password = False
    member.password_expires_at = None
    sessions.end_all(member.id)


@unit_of_work
def set_locale(member: StaffMember, locale: str) -> None:
    member.locale = locale


def _clinic_member(clinic_id: int, staff_id: int) -> StaffMember:
    member = db.session.get(StaffMember, staff_id)
    if member is None or member.clinic_id != clinic_id:
        raise NotFound("No such staff member.")
    return member


@unit_of_work
def set_role(clinic_id: int, staff_id: int, role: str, *, by: StaffMember) -> StaffMember:
    """A new role takes effect at the next sign-in: the member's sessions end now."""
    member = _clinic_member(clinic_id, staff_id)
    if member.id == by.id:
        raise Conflict(N_("You cannot change your own role."))
    if role not in ROLES:
        raise Invalid(N_("Unknown role."), fields={"role": [ONE_OF.format(choices=", ".join(ROLES))]})
    if member.role != role:
        audit.record(None, "staff role changed", target=f"staff_id={member.id},role={member.role}->{role}")
        member.role = role
        sessions.end_all(member.id)
    return member


@unit_of_work
def end_sessions(clinic_id: int, staff_id: int) -> int:
    """An administrator signs a member out everywhere (a lost laptop, a shared browser)."""
    member = _clinic_member(clinic_id, staff_id)
    ended = sessions.end_all(member.id)
    audit.record(None, "staff signed out everywhere", target=f"staff_id={member.id},sessions={ended}")
    return ended


@unit_of_work
def deactivate(clinic_id: int, staff_id: int, *, by: StaffMember) -> None:
    member = _clinic_member(clinic_id, staff_id)
    if member.id == by.id:
        raise Conflict(N_("You cannot remove your own account."))
    member.active = False
    sessions.end_all(member.id)
    audit.record(None, "staff removed", target=f"staff_id={member.id}")
