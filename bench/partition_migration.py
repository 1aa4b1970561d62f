"""How long migration 0018 takes on a big outbox, and how long each of its locks is held.

    python -m bench.partition_migration [--rows 1000000]

A PostgreSQL database at revision 0017 (the one before) with ROWS reminders and one delivery each (written
server-side with generate_series, then VACUUM ANALYZE); then `flask db upgrade` to 0018, timed,
while a probe inserts an audit-free reminder every 50 ms and records its slowest wait (what
the API would notice).
"""

from __future__ import annotations

import threading
import time

from bench import common
from devtools import processes


def fill(url: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO clinics (id, name, descriptive_push, created_at, webhook_failures, country) "
            "VALUES (1, 'Bench clinic', false, now(), 0, 'ES')"
        )
        connection.execute(
            """
            INSERT INTO reminders (channel, clinic_id, kind, title, body, priority, payload, due_at, expires_at,
                                   available_at, status, attempts, created_at, updated_at)
            SELECT 'patient_push', 1, 'hydrate', 'Hydrate', 'Moisturise now.', 'normal', '{}'::jsonb,
                   now() - g * interval '1 second', now(), now(), 'sent', 1, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            (rows,),
        )
        connection.execute(
            "INSERT INTO deliveries (reminder_id, backend, channel, outcome, created_at) "
            "SELECT id, 'fcm', 'push', 'sent', now() FROM reminders"
        )
        connection.execute("VACUUM ANALYZE reminders")
        connection.execute("VACUUM ANALYZE deliveries")


def probe(url: str, stop: threading.Event, waits: list[float]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        while not stop.is_set():
            started = time.perf_counter()
            connection.execute(
                "INSERT INTO reminders (channel, clinic_id, kind, title, body, priority, payload, due_at, "
                "expires_at, available_at, status, attempts, created_at, updated_at) VALUES ('patient_push', 1, "
                "'probe', 't', 'b', 'normal', '{}', now(), now(), now(), 'sent', 0, now(), now())"
            )
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], db_default="postgres")
    p.add_argument("--rows", type=int, default=1_000_000, help="reminders (and deliveries) before the upgrade")
    args = p.parse_args(argv)
    common.ensure_pg_database(args.pg_url)
    import psycopg

    with psycopg.connect(args.pg_url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    environment = processes.environment(args.pg_url)
    processes.flask(environment, "db", "upgrade", "0017_coursestate")
    started = time.perf_counter()
    fill(args.pg_url, args.rows)
    common.note(f"filled {args.rows:,} reminders and deliveries in {time.perf_counter() - started:.0f} s")
    stop, waits = threading.Event(), []
    prober = threading.Thread(target=probe, args=(args.pg_url, stop, waits))
    prober.start()
    started = time.perf_counter()
    processes.flask(environment, "db", "upgrade", timeout=1800)
    upgrade_s = time.perf_counter() - started
    stop.set()
    prober.join()
    common.print_table(
        "Migration 0018 on a filled outbox (python -m bench.partition_migration)",
        ["reminders", "upgrade s", "probe inserts", "slowest insert ms"],
        [[args.rows, upgrade_s, len(waits), max(waits) * 1000]],
    )
    common.emit_json(
        {"benchmark": "partition_migration", "rows": args.rows, "upgrade_s": round(upgrade_s, 1),
         "slowest_insert_ms": round(max(waits) * 1000, 1)}
    )  # fmt: skip


if __name__ == "__main__":
    main()
