"""Benchmark 4: how late is a reminder, from its due_at to FCM accepting the push?

    python -m bench.timeliness [--quick] [--db sqlite|postgres|both] [--rate 100] [--seconds 60] [--interval 0.25]

One dispatcher subprocess (`flask --app wsgi companion dispatcher --interval I`, fcm
sender) runs continuously against the fast sink, which records the arrival time of
every message. The reminders are written beforehand, as enrollment writes them, and
fall due at a steady RATE for SECONDS (due_at = T0 + i/RATE), across patients with one
or two devices. Lateness per push = arrival at the sink - due_at. Target p99 <= 1 s at 1,000 reminders/s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update

from bench import common
from devtools import processes, stats
from devtools.sink import Sink


def run(kind: str, args: Any, sink: Sink, work: Path) -> dict[str, Any]:
    count = int(args.rate * args.seconds)
    url = common.fresh_database(kind, work, pg_url=args.pg_url, tag=f"timely-{kind}")
    engine = common.engine_for(url)
    parked = datetime.now(UTC) + timedelta(days=1)
    backlog = common.seed_backlog(engine, count, due=lambda i: parked + timedelta(microseconds=i))
    name = f"bench-timely-{kind}"
    process = processes.spawn_dispatcher(
        url, "--name", name, "--interval", str(args.interval), log_path=work / f"timely-{kind}.log", **sink.settings()
    )
    try:

        def up() -> bool:
            if process.poll() is not None:
                raise SystemExit(f"the dispatcher exited; see {work / f'timely-{kind}.log'}")
            with engine.connect() as c:
                return bool(
                    c.exec_driver_sql(f"SELECT count(*) FROM dispatcher_heartbeats WHERE name = '{name}'").scalar_one()
                )

        try:
            processes.wait_until(up, timeout=60, every=0.2)
        except AssertionError:
            raise SystemExit("the dispatcher did not start within 60 s") from None
        sink.reset()
        t0 = datetime.now(UTC) + timedelta(seconds=2)  # room for this UPDATE to commit first
        due_of = {rid: t0 + timedelta(seconds=i / args.rate) for i, rid in enumerate(backlog.reminder_ids)}
        table = common.tables()["reminders"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(due_at=bindparam("d"), available_at=bindparam("d"), expires_at=bindparam("e"))
        )
        with engine.begin() as c:
            c.execute(statement, [{"rid": rid, "d": d, "e": d + timedelta(hours=2)} for rid, d in due_of.items()])
        if datetime.now(UTC) > t0:
            common.note("warning: the schedule was written after T0; the first reminders start late")
        end = t0 + timedelta(seconds=args.seconds)
        time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()))

        def drained() -> bool:
            with engine.connect() as c:
                return (
                    c.exec_driver_sql(
                        "SELECT count(*) FROM reminders WHERE status IN ('pending', 'claimed')"
                    ).scalar_one()
                    == 0
                )

        try:
            processes.wait_until(drained, timeout=30, every=0.2)
        except AssertionError:
            common.note("not drained 30 s after the last reminder fell due")
        time.sleep(0.5)
    finally:
        processes.stop(process, timeout=30)
    received = sink.received()
    statuses = common.status_counts(engine)
    duplicates = common.duplicate_sends(engine)
    engine.dispose()
    lateness = [at - due_of[rid].timestamp() for rid, at in received if rid in due_of]
    return {
        "db": kind,
        "reminders": count,
        "pushes_expected": backlog.pushes,
        "pushes": len(lateness),
        "p50": stats.percentile(lateness, 50),
        "p90": stats.percentile(lateness, 90),
        "p99": stats.percentile(lateness, 99),
        "max": max(lateness) if lateness else float("nan"),
        "early": sum(x < 0 for x in lateness),
        "statuses": statuses,
        "duplicates": duplicates,
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=100.0, help="reminders falling due per second")
    p.add_argument("--seconds", type=float, help="for how long (default 60; --quick 20)")
    p.add_argument("--interval", type=float, default=0.25, help="dispatcher --interval")
    args = p.parse_args(argv)
    args.seconds = args.seconds or (20.0 if args.quick else 60.0)
    work = common.workdir(args.keep)
    sink = Sink(work, record=True)
    results = []
    try:
        for kind in common.databases(args.db):
            common.note(f"{kind}: {args.rate:g}/s for {args.seconds:g}s, interval {args.interval}s ...")
            results.append(run(kind, args, sink, work))
    finally:
        sink.stop()
    common.print_table(
        f"Timeliness: {args.rate:g} reminders/s falling due for {args.seconds:g} s, one dispatcher, "
        f"--interval {args.interval} (python -m bench.timeliness{' --quick' if args.quick else ''} --db {args.db})",
        ["db", "reminders", "pushes", "p50 s", "p90 s", "p99 s", "max s", "not sent", "duplicates"],
        [
            [
                r["db"],
                r["reminders"],
                r["pushes"],
                r["p50"],
                r["p90"],
                r["p99"],
                r["max"],
                r["pushes_expected"] - r["pushes"],
                r["duplicates"],
            ]
            for r in results
        ],
    )
    common.emit_json(
        {
            "benchmark": "timeliness",
            "rate_per_s": args.rate,
            "seconds": args.seconds,
            "interval": args.interval,
            **{f"{r['db']}_{k}_s": round(r[k], 3) for r in results for k in ("p50", "p99", "max")},
            **{f"{r['db']}_unsent": r["pushes_expected"] - r["pushes"] for r in results},
            "targets": {"p99<=1s": all(r["p99"] <= 1.0 for r in results)},
        }
    )


if __name__ == "__main__":
    main()
