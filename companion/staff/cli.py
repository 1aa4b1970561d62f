"""`flask companion staff ...`: the first console account of a clinic is created here."""

from __future__ import annotations

import click
from flask.cli import AppGroup

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
    from companion.staff.service import create_staff

    if db.session.get(Clinic, clinic_id) is None:
        raise click.BadParameter(f"no clinic {clinic_id}", param_hint="--clinic-id")
    try:
        member, password = create_staff(clinic_id, email, role)
    except ApiError as err:
        raise click.BadParameter(err.message, param_hint="--email") from None
    if as_json:
        echo_json({"staff_id": member.id, "email": member.email, "password": password})
    else:
        click.echo(f"staff {member.id} <{member.email}> created; one-time password (shown once): {password}")
