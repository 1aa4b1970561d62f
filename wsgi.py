"""Entry point for gunicorn and `flask --app wsgi ...`."""

from companion import create_app

app = create_app()
