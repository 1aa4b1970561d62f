"""`flask companion clinic ...`: clinics are created by an operator, not over the API."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from companion.core.cli import companion_cli, echo_json

clinic_cli = AppGroup("clinic", help="Manage clinics and their API keys.")
companion_cli.add_command(clinic_cli)


@clinic_cli.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print {clinic_id, api_key} as JSON.")
def create(name: str, as_json: bool) -> None:
    """Create a clinic and print its API key (shown only this once)."""
    from companion.clinics.service import create_clinic

    name = name.strip()
    if not name or len(name) > 200:
        raise click.BadParameter("the clinic name must be 1-200 characters", param_hint="NAME")
    clinic, api_key = create_clinic(name)
    if as_json:
        echo_json({"clinic_id": clinic.id, "api_key": api_key})
    else:
        click.echo(f"clinic {clinic.id} created; API key (shown once): {api_key}")
