from __future__ import annotations

import pytest

from companion import create_app
from companion.core.clock import clock
from companion.core.ratelimit import reset_rate_limits
from companion.extensions import db as _db
from devtools.dns import PUBLIC_TEST_NAMES, FakeDns
from tests import dbutil, factories

pytest_plugins = ["devtools.pytest_plugin", "tests.dispatcher_fixtures"]


@pytest.fixture(scope="session")
def database_url() -> str:
    url = dbutil.test_database_url()
    dbutil.reset_schema(url)
    return url


@pytest.fixture(scope="session")
def make_app(database_url):
    """Build an app on the test database; extra config per test where needed."""

    def factory(**overrides):
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUSH_BACKEND": "log",
            "FIREBASE_CREDENTIALS": None,
            "WEBHOOK_RESOLVER": FakeDns(PUBLIC_TEST_NAMES),
        }
        config.update(overrides)
        return create_app(config)

    return factory


@pytest.fixture(scope="session")
def app(make_app):
    from flask_migrate import upgrade

    application = make_app()
    with application.app_context():
        upgrade()  # the real migrations build the schema the suite runs on
    return application


@pytest.fixture(autouse=True)
def _clean_state(request):
    yield
    clock.unfreeze()
    if "app" in request.fixturenames:
        application = request.getfixturevalue("app")
        reset_rate_limits(application)
        with application.app_context():
            _db.session.remove()
            dbutil.truncate_all(_db)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def treated(app, client):
    """A clinic with a treated patient signed in to the app (`factories.treated_patient`),
    treated half an hour ago. A module whose story needs another moment or other facts
    overrides this fixture with the same name and shape."""
    return factories.treated_patient(app, client)


@pytest.fixture
def local_webhooks(app, monkeypatch):
    """Receivers on 127.0.0.1 over plain http: the development setting, on for one test."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    return app


@pytest.fixture
def on_postgres(database_url) -> bool:
    return dbutil.is_postgres(database_url)


def pytest_collection_modifyitems(config, items):
    """A test marked `postgres("why")` is skipped on SQLite with its own reason; a mark without one
    stops the run, so no test borrows another's excuse."""
    on_postgres = dbutil.is_postgres(dbutil.os.environ.get(dbutil.PG_URL_ENV, "") or "")
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is None:
            continue
        why = marker.args[0] if marker.args else marker.kwargs.get("reason")
        if not why:
            raise pytest.UsageError(f'{item.nodeid}: say why it needs PostgreSQL: @pytest.mark.postgres("...")')
        if not on_postgres:
            item.add_marker(pytest.mark.skip(reason=dbutil.postgres_skip_reason(why)))
