"""Shared plumbing for the benchmarks: databases, bulk rows, the app, figures.

Everything stays on 127.0.0.1. PostgreSQL: COMPANION_BENCH_PG_URL, default
postgresql://postgres@127.0.0.1/companion_bench (created if missing, its `public`
schema dropped and rebuilt by the migrations on every run). SQLite: a temp file.
The FCM sinks, processes and percentiles live in `devtools`, shared with the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("COMPANION_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/companion_bench")

if str(PROJECT_ROOT) not in sys.path:  # `python bench/x.py` as well as `python -m bench.x`
    sys.path.insert(0, str(PROJECT_ROOT))

from devtools import processes  # noqa: E402  (after the path fix above)

# ---------------------------------------------------------------------------------------
# arguments and output
# ---------------------------------------------------------------------------------------


def parser(description: str, *, db_default: str = "both") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default=db_default)
    p.add_argument("--pg-url", default=PG_URL)
    p.add_argument("--keep", action="store_true", help="keep the temp directory (logs, SQLite file)")
    return p


def databases(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def print_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "").replace("-", "").replace("×", "").isdigit()


def emit_json(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: its figures, one JSON object."""
    print(json.dumps(figures, separators=(",", ":"), default=str), flush=True)


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def workdir(keep: bool) -> Path:
    path = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    if keep:
        note(f"temp directory kept: {path}")
    return path


# ---------------------------------------------------------------------------------------
# databases
# ---------------------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    from companion.config import _sqlalchemy_url

    return _sqlalchemy_url(url)


def ensure_pg_database(url: str) -> None:
    """CREATE DATABASE if it is missing (through the `postgres` maintenance database)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(url)
    name = info.get("dbname")
    if not name:
        raise SystemExit(f"{url}: no database name")
    admin = make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            note(f"created database {name}")


def fresh_database(kind: str, work: Path, *, pg_url: str = PG_URL, tag: str = "bench") -> str:
    """An empty database at the latest migration; returns its URL."""
    if kind == "sqlite":
        path = work / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif kind == "postgres":
        import psycopg

        ensure_pg_database(pg_url)
        with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")
        url = pg_url
    else:
        raise ValueError(kind)
    migrate(url)
    return url


def migrate(url: str) -> None:
    processes.flask(processes.environment(url), "db", "upgrade")


def engine_for(url: str):
    from sqlalchemy import create_engine

    from companion.core.sqlite import tune_sqlite_engine

    engine = create_engine(sqlalchemy_url(url), pool_size=5)
    tune_sqlite_engine(engine)
    return engine


def tables():
    import companion.models  # noqa: F401  (registers every table)
    from companion.extensions import db

    return db.metadata.tables


# ---------------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRow:
    id: int
    patient_id: int
    identifier: str
    kind: str
    platform: str
    keys: tuple[str, str] | None = None  # a browser subscription's (p256dh, auth)


@dataclass
class Backlog:
    """What was inserted: enough to build the very messages the dispatcher will send."""

    reminder_ids: list[int]
    patient_of: dict[int, int]  # reminder id -> patient id
    due_of: dict[int, datetime]
    expires_of: dict[int, datetime]
    locale_of: dict[int, str]  # patient id -> locale
    devices_of: dict[int, list[DeviceRow]] = field(default_factory=dict)  # patient id -> devices
    kind: str = "hydrate"

    @property
    def pushes(self) -> int:
        return sum(len(self.devices_of[self.patient_of[r]]) for r in self.reminder_ids)

    def messages(self, channel_id: str = "aftercare"):
        """The dispatcher's messages for these rows, in its order (due_at, id)."""
        from companion.channels import base as push
        from companion.channels import texts

        out = []
        for rid in sorted(self.reminder_ids, key=lambda r: (self.due_of[r], r)):
            patient = self.patient_of[rid]
            title, body = texts.neutral_text(self.locale_of[patient], texts.PATIENT)
            for device in self.devices_of[patient]:
                out.append(
                    push.PushMessage(
                        reminder_id=rid,
                        device_id=device.id,
                        identifier=device.identifier,
                        identifier_kind=device.kind,
                        platform=device.platform,
                        title=title,
                        body=body,
                        data={"reminder_id": str(rid), "kind": self.kind},
                        priority="normal",
                        expires_at=self.expires_of[rid],
                        collapse_key=f"reminder-{rid}",
                        thread_id="aftercare",
                        channel_id=channel_id,
                        keys=device.keys,
                    )
                )
        return out


def seed_people(
    engine, *, patients: int, two_device_every: int = 4, web_every: int = 0, web_base: str | None = None
) -> tuple[dict[int, str], dict[int, list[DeviceRow]]]:
    """One clinic, `patients` patients, one device each and a second for every n-th patient.

    Devices mix Firebase installation ids and legacy tokens, Android and iOS, as a
    real install base would; with `web_every`, every n-th device is a browser subscribed
    at `web_base` (a push service), with a real P-256 key pair and auth secret. No quiet
    hours (00:00-00:00), so that late rows are not held for the morning and the figures
    do not depend on the time of day of the run.
    """
    from sqlalchemy import insert

    t = tables()
    now = datetime.now(UTC)
    locale_of = {p: ("es-ES" if p % 3 == 0 else "en") for p in range(1, patients + 1)}
    devices_of: dict[int, list[DeviceRow]] = {}
    device_rows = []
    from devtools.push_service import browser_keys

    key_pool = browser_keys(64) if web_every else []
    next_id = 1
    for p in range(1, patients + 1):
        count = 2 if two_device_every and p % two_device_every == 0 else 1
        devices_of[p] = []
        for k in range(count):
            kind = "token" if next_id % 5 == 0 else "fid"
            platform = "ios" if (p + k) % 3 == 0 else "android"
            identifier = f"{kind}-{next_id:08d}-" + "x" * (140 if kind == "token" else 12)
            keys = None
            if web_every and next_id % web_every == 0:
                kind, platform, keys = "webpush", "web", key_pool[next_id % len(key_pool)]
                identifier = f"{web_base}/push/{next_id:08d}-" + "x" * 140  # as long as a real endpoint
            row = DeviceRow(next_id, p, identifier, kind, platform, keys)
            devices_of[p].append(row)
            device_rows.append(
                dict(
                    id=next_id,
                    identifier=identifier,
                    kind=kind,
                    platform=platform,
                    p256dh=keys[0] if keys else None,
                    auth_secret=keys[1] if keys else None,
                    patient_id=p,
                    clinic_id=None,
                    staff_name=None,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            next_id += 1
    with engine.begin() as connection:
        connection.execute(
            insert(t["clinics"]), [dict(id=1, name="Bench clinic", descriptive_push=False, created_at=now)]
        )
        connection.execute(
            insert(t["patients"]),
            [
                dict(
                    id=p,
                    clinic_id=1,
                    display_name=f"Patient {p}",
                    timezone="Europe/Madrid",
                    locale=locale_of[p],
                    quiet_start="00:00",
                    quiet_end="00:00",
                    screening={},
                    created_at=now,
                    updated_at=now,
                )
                for p in range(1, patients + 1)
            ],
        )
        for start in range(0, len(device_rows), 5000):
            connection.execute(insert(t["devices"]), device_rows[start : start + 5000])
        _fix_sequences(connection, ("clinics", "patients", "devices"))
    return locale_of, devices_of


def seed_backlog(
    engine,
    count: int,
    *,
    due: Callable[[int], datetime],
    lasts: timedelta = timedelta(hours=2),
    patients: int | None = None,
    two_device_every: int = 4,
    first_id: int = 1,
    web_every: int = 0,
    web_base: str | None = None,
) -> Backlog:
    """`count` patient pushes; reminder i falls due at due(i). Core executemany, 5,000 rows a statement."""
    from sqlalchemy import insert

    t = tables()
    patients = patients or max(1, count // 4)
    locale_of, devices_of = seed_people(
        engine, patients=patients, two_device_every=two_device_every, web_every=web_every, web_base=web_base
    )
    now = datetime.now(UTC)
    backlog = Backlog([], {}, {}, {}, locale_of, devices_of)
    rows = []
    for i in range(count):
        rid = first_id + i
        patient = (i % patients) + 1
        at = due(i)
        backlog.reminder_ids.append(rid)
        backlog.patient_of[rid] = patient
        backlog.due_of[rid] = at
        backlog.expires_of[rid] = at + lasts
        rows.append(
            dict(
                id=rid,
                channel="patient_push",
                clinic_id=1,
                patient_id=patient,
                treatment_id=None,
                alert_id=None,
                kind=backlog.kind,
                plan_key=f"bench-{rid}",
                title="Hydrate",
                body="Moisturise now.",
                priority="normal",
                payload={},
                due_at=at,
                expires_at=at + lasts,
                available_at=at,
                status="pending",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(t["reminders"]), rows[start : start + 5000])
        _fix_sequences(connection, ("reminders",))
    _analyze(engine)
    return backlog


def _fix_sequences(connection, names: Iterable[str]) -> None:
    if connection.dialect.name != "postgresql":
        return
    for name in names:
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 1))"
        )


def _analyze(engine) -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def duplicate_sends(engine) -> int:
    """(reminder, device) pairs with more than one `sent` delivery: must be 0."""
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT count(*) FROM (SELECT reminder_id, device_id FROM deliveries WHERE outcome = 'sent' "
            "GROUP BY reminder_id, device_id HAVING count(*) > 1) AS d"
        ).scalar_one()


def status_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql("SELECT status, count(*) FROM reminders GROUP BY status").all())


def sent_by_backend(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(
            connection.exec_driver_sql(
                "SELECT backend, count(*) FROM deliveries WHERE outcome = 'sent' GROUP BY backend"
            ).all()
        )


def sent_deliveries(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM deliveries WHERE outcome = 'sent'").scalar_one()


# ---------------------------------------------------------------------------------------
# the application and dispatchers
# ---------------------------------------------------------------------------------------


def make_app(url: str, **overrides: Any):
    """The real app, configured for this database (and sink), as the dispatcher CLI builds it."""
    import logging

    from companion import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), **overrides})
    logging.getLogger("companion").setLevel(logging.WARNING)
    return app
