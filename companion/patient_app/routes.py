"""The patient app put together: its route modules hang pages on the two blueprints of `web`,
then both are registered. Kept apart from `web` so the route modules import it, never the reverse."""

from __future__ import annotations

from flask import Flask

from companion.patient_app import join, links, views  # noqa: F401  (routes on the blueprints)
from companion.patient_app.web import pages, public


def register_patient_app(app: Flask) -> None:
    app.register_blueprint(public)
    app.register_blueprint(pages)
