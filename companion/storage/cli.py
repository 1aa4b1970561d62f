"""`flask companion storage maintain`: the storage job once, now (it also runs hourly in the dispatcher)."""

from __future__ import annotations

import click

from companion.core.cli import companion_cli, echo_json


@companion_cli.group("storage")
def storage() -> None:
    """Partitions and retention of the outbox and the audit log."""


@storage.command("maintain")
def maintain() -> None:
    """Create partitions ahead, seal the open one after a month, drop or prune what retention allows."""
    from companion.storage import service

    try:
        report = service.maintain()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    echo_json(report.as_dict())
