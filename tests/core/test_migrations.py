"""The committed migrations must build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from companion.core.db import include_object, render_item
from companion.extensions import db


def test_migrations_match_models(ctx):
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "render_item": render_item, "include_object": include_object}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app wsgi db migrate`: {diff}"


def test_upgrade_reaches_head(ctx):
    with db.engine.connect() as conn:
        head = MigrationContext.configure(conn).get_current_revision()
    import glob
    import os

    versions = [os.path.basename(p) for p in glob.glob("migrations/versions/*.py")]
    assert head is not None and any(v.startswith(head) for v in versions)
