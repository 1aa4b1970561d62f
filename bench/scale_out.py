"""Benchmark 2: 1, 2 and 4 dispatcher processes on PostgreSQL draining the same backlog.

    python -m bench.scale_out [--quick] [--n N] [--procs 1,2,4]

For each process count: a fresh database with N reminders (1.25 pushes each), parked
in the future; the dispatchers (`flask --app wsgi companion dispatcher --interval 0.2`,
real subprocesses, fcm sender, fast sink) start and each records a heartbeat; then one
UPDATE makes the whole backlog due at T. Throughput = sent pushes / (last sent_at - T),
so start-up is excluded. Duplicates = (reminder, device) pairs with more than one
`sent` delivery: must be 0. Each dispatcher's share comes from its pass log lines.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common
from devtools import processes
from devtools.sink import Sink

PASS_LINE = re.compile(r"dispatch pass name=(\S+) .*?\bpushes=(\d+)")


def run(k: int, n: int, sink: Sink, work: Path, pg_url: str, interval: float) -> dict[str, Any]:
    url = common.fresh_database("postgres", work, pg_url=pg_url, tag=f"scale{k}")
    engine = common.engine_for(url)
    parked = datetime.now(UTC) + timedelta(days=1)
    backlog = common.seed_backlog(engine, n, due=lambda i: parked + timedelta(microseconds=i))
    names = [f"bench-scale{k}-{i}" for i in range(k)]
    logs = [work / f"scale{k}-{i}.log" for i in range(k)]
    procs = [
        processes.spawn_dispatcher(url, "--name", name, "--interval", str(interval), log_path=log, **sink.settings())
        for name, log in zip(names, logs, strict=True)
    ]
    try:

        def all_up() -> bool:
            with engine.connect() as c:
                up = c.exec_driver_sql(
                    "SELECT count(*) FROM dispatcher_heartbeats WHERE name LIKE %s", (f"bench-scale{k}-%",)
                ).scalar_one()
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a dispatcher exited early; see {work}")
            return up >= k

        try:
            processes.wait_until(all_up, timeout=60, every=0.2)
        except AssertionError:
            raise SystemExit("dispatchers did not start within 60 s") from None
        with engine.begin() as c:
            t0 = c.exec_driver_sql(
                "UPDATE reminders SET due_at = now() - (id * interval '1 microsecond'), "
                "available_at = now() - (id * interval '1 microsecond'), expires_at = now() + interval '2 hours' "
                "RETURNING now()"
            ).first()[0]

        def drained() -> bool:
            with engine.connect() as c:
                return (
                    c.exec_driver_sql(
                        "SELECT count(*) FROM reminders WHERE status IN ('pending', 'claimed')"
                    ).scalar_one()
                    == 0
                )

        limit = max(120.0, backlog.pushes / 100)
        try:
            processes.wait_until(drained, timeout=limit, every=0.1)
        except AssertionError:
            common.note(f"{k} dispatchers: not drained after {limit:.0f}s")
        with engine.connect() as c:
            last = c.exec_driver_sql("SELECT max(sent_at) FROM reminders").scalar_one()
    finally:
        for p in procs:
            processes.stop(p, timeout=30)
    sent = common.sent_deliveries(engine)
    duplicates = common.duplicate_sends(engine)
    statuses = common.status_counts(engine)
    engine.dispose()
    shares: Counter[str] = Counter()
    for log in logs:
        for match in PASS_LINE.finditer(log.read_text()):
            shares[match[1]] += int(match[2])
    seconds = (last - t0).total_seconds()
    return {
        "procs": k,
        "pushes": sent,
        "expected": backlog.pushes,
        "seconds": seconds,
        "rate": sent / seconds,
        "duplicates": duplicates,
        "statuses": statuses,
        "shares": [shares[name] for name in names],
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], db_default="postgres")
    p.add_argument("--n", type=int, help="reminders (default 20,000; --quick 2,000)")
    p.add_argument("--procs", default="1,2,4")
    p.add_argument("--interval", type=float, default=0.2)
    args = p.parse_args(argv)
    if args.db != "postgres":
        p.error("scale-out needs PostgreSQL (SKIP LOCKED); SQLite serialises writers")
    n = args.n or (2_000 if args.quick else 20_000)
    work = common.workdir(args.keep)
    sink = Sink(work)
    results = []
    try:
        for k in (int(x) for x in args.procs.split(",")):
            common.note(f"{k} dispatcher(s) ...")
            results.append(run(k, n, sink, work, args.pg_url, args.interval))
    finally:
        sink.stop()
    base = results[0]["rate"]
    common.print_table(
        f"Scale-out on PostgreSQL: {n:,} reminders, {results[0]['expected']:,} pushes "
        f"(python -m bench.scale_out{' --quick' if args.quick else ''})",
        ["dispatchers", "pushes sent", "seconds", "pushes/s", "x one", "duplicates", "pushes per dispatcher"],
        [
            [
                r["procs"],
                r["pushes"],
                r["seconds"],
                r["rate"],
                r["rate"] / base,
                r["duplicates"],
                "/".join(str(s) for s in r["shares"]),
            ]
            for r in results
        ],
    )
    common.emit_json(
        {
            "benchmark": "scale_out",
            "reminders": n,
            "pushes": results[0]["expected"],
            **{f"procs_{r['procs']}_per_s": round(r["rate"], 1) for r in results},
            **{f"procs_{r['procs']}_duplicates": r["duplicates"] for r in results},
            "all_sent": all(r["pushes"] == r["expected"] for r in results),
            "targets": {"duplicates==0": all(r["duplicates"] == 0 for r in results)},
        }
    )


if __name__ == "__main__":
    main()
