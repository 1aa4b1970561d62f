"""`flask companion dispatcher`: the one process that sends reminders."""

from __future__ import annotations

import sys

import click
from flask import current_app

from companion.core.cli import companion_cli, echo_json


@companion_cli.command("dispatcher")
@click.option("--once", is_flag=True, help="Drain everything due once, print a JSON summary, exit.")
@click.option("--name", help="Claimant id in leases and heartbeats (default: host-pid-random).")
@click.option(
    "--interval", type=click.FloatRange(min=0.05), help="Seconds between passes (COMPANION_DISPATCH_INTERVAL_SECONDS)."
)
@click.option(
    "--batch", type=click.IntRange(1, 10_000), help="Reminders claimed at a time (COMPANION_DISPATCH_BATCH_SIZE)."
)
@click.option(
    "--metrics-port", type=click.IntRange(1, 65_535), help="Serve Prometheus metrics of this process on this port."
)
def dispatcher(
    once: bool, name: str | None, interval: float | None, batch: int | None, metrics_port: int | None
) -> None:
    """Claim due reminders and push them; SIGTERM/SIGINT stop it cleanly."""
    from companion.reminders.dispatch import Dispatcher, metrics
    from companion.reminders.dispatch.collector import tuned_for_dispatch
    from companion.reminders.dispatch.jobs import DispatcherService

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, it is the proxy
    if metrics_port:
        metrics.serve(metrics_port)
    service = DispatcherService(
        app,
        Dispatcher.from_app(app, name=name, batch=batch),
        interval=interval or float(app.config["DISPATCH_INTERVAL_SECONDS"]),
    )
    with tuned_for_dispatch():
        if once:
            echo_json(service.run_once())
            return
        code = service.run_forever()
    sys.exit(code)
