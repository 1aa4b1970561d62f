"""`flask companion clinic ...`: clinics are created by an operator, not over the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from companion.core.cli import companion_cli, echo_json

if TYPE_CHECKING:
    from companion.clinics.models import Clinic

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


def _clinic(clinic_id: int) -> Clinic:
    from companion.clinics.models import Clinic
    from companion.extensions import db

    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise click.BadParameter(f"no clinic {clinic_id}", param_hint="CLINIC_ID")
    return clinic


@clinic_cli.command("key-create")
@click.argument("clinic_id", type=int)
def key_create(clinic_id: int) -> None:
    """A new API key for the clinic (shown only this once)."""
    from companion.clinics.service import create_api_key

    new = create_api_key(_clinic(clinic_id))
    echo_json({"id": new.row.id, "prefix": new.row.prefix, "api_key": new.key})


@clinic_cli.command("key-list")
@click.argument("clinic_id", type=int)
def key_list(clinic_id: int) -> None:
    """Active keys: id, prefix, created, last used (never the key)."""
    from companion.clinics.service import list_api_keys

    echo_json(
        [
            {
                "id": k.id,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
            }
            for k in list_api_keys(_clinic(clinic_id))
        ]
    )


@clinic_cli.command("key-revoke")
@click.argument("clinic_id", type=int)
@click.argument("key_id", type=int)
def key_revoke(clinic_id: int, key_id: int) -> None:
    """Revoke a key at once."""
    from companion.clinics.service import revoke_api_key
    from companion.core.errors import NotFound

    try:
        revoke_api_key(_clinic(clinic_id), key_id)
    except NotFound as err:
        raise click.BadParameter(err.message, param_hint="KEY_ID") from err
    click.echo(f"key {key_id} revoked")
