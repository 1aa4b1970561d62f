"""Aftercare Companion: aftercare timelines, reminders and triage after microneedling."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Config, then extensions, then blueprints, then CLI. Never starts a scheduler."""
    from companion import config
    from companion.core.api import CompanionApi
    from companion.core.errors import register_error_handlers
    from companion.core.requests import register_request_guards
    from companion.extensions import db, migrate

    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.from_environment(app.instance_path))
    if overrides:
        app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from pathlib import Path

        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        logging.getLogger("companion").warning(
            "COMPANION_WEBHOOK_ALLOW_PRIVATE is on: clinic webhooks may reach loopback and private addresses "
            "over plain http. For development and tests only; never in production."
        )
    if app.config.get("WEBPUSH_ALLOW_PRIVATE"):
        logging.getLogger("companion").warning(
            "COMPANION_WEBPUSH_ALLOW_PRIVATE is on: browser push endpoints may be loopback and private addresses "
            "over plain http. For development and tests only; never in production."
        )

    import companion.models  # noqa: F401  (registers every table)

    db.init_app(app)
    from companion.core.sqlite import configure_sqlite

    configure_sqlite(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"))
    api = CompanionApi(app)
    register_error_handlers(app)
    from companion.audit import service as audit

    audit.init_app(app)
    register_request_guards(app)
    from companion.core.http_security import register_security_headers

    register_security_headers(app)

    from companion.protocols.registry import init_protocols

    init_protocols(app)

    from companion.blueprints import register_blueprints, register_rate_limits
    from companion.console.views import register_console
    from companion.patient_app.routes import register_patient_app

    with app.app_context():  # the document lists values the app loaded (protocol keys)
        register_blueprints(api)
    register_console(app)
    register_patient_app(app)
    register_rate_limits(app)

    from companion.alerts import service as alerts
    from companion.alerts import webhook_pass
    from companion.courses import service as courses
    from companion.reminders import service as reminders

    reminders.connect_signals()
    alerts.connect_signals()
    courses.connect_signals()
    webhook_pass.register()
    from companion.privacy import retention

    retention.register()
    from companion.storage import service as storage

    storage.register(app)

    from companion.cli import register_cli

    register_cli(app)
    return app
