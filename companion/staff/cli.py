"""`flask companion staff ...`: the first console account of a clinic is created here."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from companion.core.cli import companion_cli, echo_json
from companion.core.errors import ApiError
from companion.staff.models import ROLES

staff_cli = AppGroup("staff", help="Manage clinic staff accounts for the console.")
companion_cli.add_command(staff_cli)


@staff_cli.command("create")
@click.option("--clinic-id", type=int, required=True)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([role.value for role in ROLES]), default="staff", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print {staff_id, email, password} as JSON.")
def create(clinic_id: int, email: str, role: str, as_json: bool) -> None:
    """Create an account and print its one-time password (changed at first sign-in)."""
    from companion.clinics.models import Clinic
    from companion.extensions import db
    from companion.staff.schemas import StaffInviteSchema
    from companion.staff.service import create_staff

    if db.session.get(Clinic, clinic_id) is None:
        raise click.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic-id")
    try:  # the console's invitation schema: the same checks at every door
        data = StaffInviteSchema().load({"email": email.strip(), "role": role})
    except ValidationError as err:
        raise click.BadParameter(str(err.messages), param_hint="--email") from None
    try:
        member, password = create_staff(clinic_id, data["email"], data["role"])
    except ApiError as err:
        raise click.BadParameter(err.message, param_hint="--email") from None
    if as_json:
        echo_json({"staff_id": member.id, "email": member.email, "password": password})
    else:
        click.echo(f"staff {member.id} <{member.email}> created; one-time password (shown once): {password}")


@staff_cli.command("set-password")
@click.option("--clinic-id", type=int, required=True)
@click.option("--email", required=True)
@click.password_option(help="The new password (asked for twice when not given).")
def set_password_command(clinic_id: int, email: str, password: str) -> None:
    """Set a staff member's password (a forgotten one, a locked-out administrator): the
    strength rule applies, and the member's console sessions end."""
    from companion.extensions import db
    from companion.staff.models import StaffMember
    from companion.staff.service import set_password

    member = db.session.scalar(
        db.select(StaffMember).where(StaffMember.clinic_id == clinic_id, StaffMember.email == email.strip().lower())
    )
    if member is None:
        raise click.BadParameter(f"no staff member {email} at clinic {clinic_id}", param_hint="--email")
    try:
        set_password(member, password)
    except ApiError as err:
        raise click.BadParameter(err.message, param_hint="--password") from None
    click.echo(f"password of staff {member.id} <{member.email}> set; their console sessions ended")
