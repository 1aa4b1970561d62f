"""Attach every domain's commands to `flask companion`."""

from __future__ import annotations

from flask import Flask

from companion.core.cli import companion_cli


def register_cli(app: Flask) -> None:
    import companion.clinics.cli
    import companion.console.cli
    import companion.reminders.cli
    import companion.staff.cli
    import companion.storage.cli  # noqa: F401

    if "companion" not in app.cli.commands:
        app.cli.add_command(companion_cli)
