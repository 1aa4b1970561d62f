"""Drill 3: PostgreSQL restarts while the dispatcher and the API are busy.

Neither is restarted: the API answers again as soon as the database is back (its pool
replaces dead connections before use), the dispatcher goes on by itself (rows it held
when the database went away come back when their lease ends), and every reminder is
sent exactly once per device.

It restarts the PostgreSQL cluster of this machine, which briefly breaks anything
else using it; it always waits for PostgreSQL to be back before it ends.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from companion.channels.models import Delivery
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import PATIENT_PUSH, PENDING, SENT, DispatcherHeartbeat, Reminder
from devtools import processes
from tests import factories
from tests.reminders import rows

pytestmark = [pytest.mark.postgres("the drill restarts the PostgreSQL server under load"), pytest.mark.slow]

REMINDERS = 3000
SPREAD = timedelta(seconds=12)  # due times spread over this, so the restart lands mid-run
LEASE_SECONDS = 5


def _cluster() -> list[str]:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs a local PostgreSQL cluster managed by pg_ctlcluster to restart it")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def _pg_ready(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def _ensure_running(cluster: list[str]) -> None:
    """Whatever happened, leave PostgreSQL up for everyone else."""
    if _pg_ready(20):
        return
    subprocess.run([*cluster, "start"], check=False, capture_output=True)
    assert _pg_ready(60), "PostgreSQL did not come back"


def _due_reminders(count: int) -> None:
    """`count` reminders for 100 patients with one phone each, due over the next SPREAD."""
    owner = rows.clinic()
    people = [rows.patient(owner) for _ in range(100)]
    for person in people:
        rows.device(of=person)
    now = clock.now()
    step = SPREAD / count
    values = [
        dict(
            channel=PATIENT_PUSH,
            clinic_id=owner.id,
            patient_id=people[i % len(people)].id,
            kind="hydrate",
            title="Hydrate",
            body="Moisturise now.",
            priority="normal",
            payload={},
            due_at=now + step * i,
            expires_at=now + timedelta(hours=1),
            available_at=now + step * i,
            status=PENDING,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]
    with db.engine.begin() as connection:
        connection.execute(insert(Reminder.__table__), values)


def _counts(app) -> tuple[dict[str, int], int, int]:
    with app.app_context(), db.engine.connect() as connection:
        statuses = dict(connection.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
        sent = select(Delivery.reminder_id, Delivery.device_id).where(Delivery.outcome == "sent")
        pairs = connection.execute(select(func.count()).select_from(sent.subquery())).scalar_one()
        distinct = connection.execute(select(func.count()).select_from(sent.distinct().subquery())).scalar_one()
    return statuses, pairs, distinct


def test_dispatcher_and_api_recover_from_a_postgres_restart_and_lose_nothing(app, client, database_url, tmp_path):
    """Why: databases get restarted (upgrades, failover); reminders must neither vanish nor double."""
    cluster = _cluster()
    clinic = factories.create_clinic(app)
    patient = factories.enroll(client, clinic)
    with app.app_context():  # only for setup: requests must get their own context, as in production
        _due_reminders(REMINDERS)
    process = processes.spawn_dispatcher(
        database_url,
        "--name",
        "restart-drill",
        "--interval",
        "0.2",
        log_path=tmp_path / "dispatcher.log",
        DISPATCH_LEASE_SECONDS=LEASE_SECONDS,
        DISPATCH_BATCH_SIZE=200,
    )
    try:
        processes.wait_until(lambda: _counts(app)[0].get(SENT, 0) > 0, timeout=30)
        assert client.get("/v1/patients", headers=clinic["headers"]).status_code == 200  # pool in use
        sent_before = _counts(app)[0].get(SENT, 0)
        assert sent_before < REMINDERS, "the backlog drained before the restart: nothing to prove"
        restarted = subprocess.run([*cluster, "restart"], check=False, capture_output=True, text=True)
        assert restarted.returncode == 0, restarted.stderr
        assert _pg_ready(60)
        # The API, not restarted: the very first request after the database is back succeeds.
        assert client.get("/v1/patients", headers=clinic["headers"]).status_code == 200
        recorded = client.post(
            f"/v1/patients/{patient['id']}/treatments", json=factories.treatment_body(), headers=clinic["headers"]
        )
        assert recorded.status_code == 201, recorded.get_json()
        # The dispatcher, not restarted either, drains everything that falls due.
        processes.wait_until(
            lambda: _counts(app)[0].get(SENT, 0) >= REMINDERS and not _counts(app)[0].get("claimed"),
            timeout=90,
            every=0.5,
        )
        assert process.poll() is None, "the dispatcher died with the database"
        with app.app_context():
            heartbeat = db.session.get(DispatcherHeartbeat, "restart-drill")
            assert heartbeat is not None and heartbeat.last_pass_at > clock.now() - timedelta(seconds=10)
    finally:
        processes.kill(process)
        _ensure_running(cluster)
    statuses, pairs, distinct = _counts(app)
    print(f"sent before restart={sent_before} statuses={statuses} sent deliveries={pairs} distinct={distinct}")
    assert statuses.get(SENT, 0) >= REMINDERS
    assert pairs == distinct, "a device got the same reminder twice"
