from __future__ import annotations

import pytest

from companion import create_app
from companion.core.clock import clock
from companion.extensions import db as _db
from tests import dbutil


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
def on_postgres(database_url) -> bool:
    return dbutil.is_postgres(database_url)


def pytest_collection_modifyitems(config, items):
    if dbutil.is_postgres(dbutil.os.environ.get(dbutil.PG_URL_ENV, "") or ""):
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (SKIP LOCKED, several processes): set COMPANION_TEST_DATABASE_URL; CI does"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
