"""Attach every domain's commands to `flask companion`."""
from __future__ import annotations

from flask import Flask

from companion.core.cli import companion_cli


def register_cli(app: Flask) -> None:
    import companion.clinics.cli  # noqa: F401
    import companion.console.cli  # noqa: F401
    import companion.reminders.cli  # noqa: F401
    import companion.staff.cli  # noqa: F401

    if "companion" not in app.cli.commands:
        app.cli.add_command(companion_cli)
