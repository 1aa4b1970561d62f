"""What bench.cost_growth measures beside the claim: partitions made ready for a fill, the API's
reads and writes at each size, table and index sizes, dead tuples, one retention pass."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools import stats

SPAN = 1_000_000  # migration 0018's partitions; the fill needs partitions up to its last id


def partitions_for(engine, last_id: int) -> int:
    """Create the partitions a server-side fill of `last_id` rows needs (the job makes two spans ahead)."""
    from companion.storage import partitions

    made = 0
    with engine.begin() as connection:
        top = partitions.partitions(connection, "reminders")[-1].high
        while top <= last_id:
            for table in ("reminders", "deliveries"):
                partitions.create(connection, table, top, top + SPAN)
            top += SPAN
            made += 1
    return made


SCREENING = dict.fromkeys(
    (
        "active_infection", "keloid_prone", "active_severe_acne", "eczema", "psoriasis",
        "bleeding_disorder", "relevant_medications", "other_serious_skin_condition",
    ),
    False,
)  # fmt: skip


def api_figures(url: str, repeats: int = 10) -> dict[str, float]:
    """In process, as the API serves them: recording a treatment (it writes a course's
    reminders into the outbox), a patient's timeline and the worklist of the filled clinic."""
    from bench import common
    from companion.clinics.models import Clinic
    from companion.clinics.service import issue_api_key
    from companion.extensions import db

    app = common.make_app(url, RATELIMIT_ENABLED=False)
    with app.app_context():
        key = issue_api_key(db.session.get(Clinic, 1))
        db.session.commit()
    client = app.test_client()
    clinic = {"Authorization": f"Bearer {key}"}
    recording, timeline, worklist = [], [], []
    for i in range(repeats + 1):
        patient = client.post(
            "/v1/patients", headers=clinic,
            json={"display_name": f"Bench {i}", "timezone": "Europe/Madrid", "locale": "es-ES", "screening": SCREENING},
        ).get_json()  # fmt: skip
        body = {
            "protocol": "microneedling-face",
            "performed_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
            "needle_depth_mm": 1.0, "area": "face", "combined_with": [],
            "series": {"session_number": 1, "planned_sessions": 3},
        }  # fmt: skip
        started = time.perf_counter()
        recorded = client.post(f"/v1/patients/{patient['id']}/treatments", headers=clinic, json=body)
        recording.append(time.perf_counter() - started)
        assert recorded.status_code == 201, recorded.get_data(as_text=True)[:300]
        token = client.post("/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]})
        me = {"Authorization": f"Bearer {token.get_json()['token']}"}
        started = time.perf_counter()
        read = client.get("/v1/me/timeline", headers=me)
        timeline.append(time.perf_counter() - started)
        assert read.status_code == 200 and read.get_json(), read.get_data(as_text=True)[:300]
        started = time.perf_counter()
        assert client.get("/v1/worklist", headers=clinic).status_code == 200
        worklist.append(time.perf_counter() - started)
    with app.app_context():
        db.engine.dispose()
    # The first round warms the app up; medians of the rest.
    return {
        "treatment_ms": stats.median(recording[1:]) * 1000,
        "timeline_ms": stats.median(timeline[1:]) * 1000,
        "worklist_ms": stats.median(worklist[1:]) * 1000,
    }


def sizes(engine) -> dict[str, float]:
    """Heap and index MiB of reminders and deliveries (all partitions)."""
    figures = {}
    with engine.connect() as connection:
        for table in ("reminders", "deliveries"):
            heap, index = connection.exec_driver_sql(
                "SELECT coalesce(sum(pg_table_size(inhrelid)), 0), coalesce(sum(pg_indexes_size(inhrelid)), 0) "
                f"FROM pg_inherits WHERE inhparent = '{table}'::regclass"
            ).one()
            figures[f"{table}_mib"] = heap / 2**20
            figures[f"{table}_index_mib"] = index / 2**20
    return figures


def dead_tuples(engine) -> dict[str, Any]:
    """Dead rows left in the outbox's partitions, and how many of them autovacuum has visited."""
    with engine.connect() as connection:
        dead, vacuumed = connection.exec_driver_sql(
            "SELECT coalesce(sum(n_dead_tup), 0), count(last_autovacuum) FROM pg_stat_user_tables "
            "WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'reminders'::regclass)"
        ).one()
    return {"dead": int(dead), "autovacuumed_partitions": int(vacuumed)}


def retention_pass(url: str) -> dict[str, Any]:
    """One `flask companion storage maintain` pass, in process; what it did and how long it took."""
    from bench import common
    from companion.extensions import db
    from companion.storage import service

    app = common.make_app(url)
    with app.app_context():
        report = service.maintain()
        db.engine.dispose()
    return {"retention_ms": report.seconds * 1000, "partitions_kept": report.kept, "dropped": len(report.dropped)}
