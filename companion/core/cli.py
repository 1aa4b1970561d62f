"""The `flask companion ...` command group; domains attach their subcommands."""

import click
from flask.cli import AppGroup

companion_cli = AppGroup("companion", help="Aftercare Companion administration.")


def echo_json(data: object) -> None:
    import json

    click.echo(json.dumps(data, default=str))
