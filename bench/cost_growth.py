"""Benchmark 3: does a claim (and the dispatcher) cost more as pending reminders pile up?

    python -m bench.cost_growth [--quick] [--sizes 10000,1000000,10000000] [--due 5000]

For each size: a fresh PostgreSQL schema holding SIZE pending patient pushes
(INSERT ... SELECT generate_series), of which DUE are due now and the rest fall due
over the coming days; VACUUM ANALYZE. Then:
- claim: the median (and p90) of 20 `claim_due(limit=500)` calls, the very function
  the dispatcher uses; after each claim the 500 rows are reset to pending;
- EXPLAIN (ANALYZE, BUFFERS) of the claim statement as the dispatcher sends it
  (captured from the driver), to show it reads the partial index ix_reminders_claimable;
- dispatcher: `flask --app wsgi companion dispatcher --once` (fcm sender, fast sink)
  drains the DUE rows; its peak RSS (wait4) and its time per batch of 500;
- in process through the API: recording a treatment, a patient's timeline, the worklist;
- the outbox's heap and index sizes (all partitions), its dead tuples right after the drain
  and again after `--vacuum-wait` seconds (did autovacuum come?), one storage pass
  (`flask companion storage maintain`: partitions ahead, retention checks).
The outbox is partitioned by id (1M ids a partition, docs/decisions/0013-partitioned-outbox.md).
Target: every figure at the largest size within 1.5x of the smallest.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench import common, storage_figures
from devtools import processes, stats
from devtools.sink import Sink

CHANNELS = ("patient_push", "staff_push", "webhook")


def fill(engine, size: int, due: int, patients: int) -> float:
    started = time.perf_counter()
    with engine.begin() as c:
        c.exec_driver_sql(
            """
            INSERT INTO reminders (channel, clinic_id, patient_id, kind, plan_key, title, body, priority, payload,
                                   due_at, expires_at, available_at, status, attempts, created_at, updated_at)
            SELECT 'patient_push', 1, 1 + g %% %(patients)s, 'hydrate', 'bench-' || g, 'Hydrate', 'Moisturise now.',
                   'normal', '{}'::jsonb, d, d + interval '2 hours', d, 'pending', 0, now(), now()
            FROM generate_series(1, %(size)s) AS g,
                 LATERAL (SELECT CASE WHEN g <= %(due)s THEN now() - interval '1 minute' + g * interval '1 millisecond'
                                      ELSE now() + interval '1 hour' + g * interval '1 second' END AS d) AS t
            """,
            {"size": size, "due": due, "patients": patients},
        )
    with engine.connect() as c:
        c = c.execution_options(isolation_level="AUTOCOMMIT")
        c.exec_driver_sql("VACUUM ANALYZE reminders")
    return time.perf_counter() - started


def explain_claim(engine) -> tuple[str, bool]:
    """The claim statement exactly as claim_due sends it, explained (and rolled back)."""
    from companion.reminders.dispatch.claiming import claim_due

    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("WITH", "UPDATE")) and "reminders" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        claim_due(
            engine, claimer="bench-explain", limit=500, lease_seconds=120, now=datetime.now(UTC), channels=CHANNELS
        )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    reset(engine)
    statement, parameters = captured[0]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
    finally:
        raw.close()
    # Each partition's partial index on available_at (ix_reminders_claimable, or its copy on a
    # partition: reminders_p…_available_at_idx), and no partition read whole.
    return plan, reads_partial_index(plan)


def reads_partial_index(plan: str) -> bool:
    """The `due` CTE (the rows chosen) reads the partial index of each partition and none whole."""
    lines = plan.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "CTE due")
    indent = len(lines[start]) - len(lines[start].lstrip())
    chosen = []
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        chosen.append(line)
    text = "\n".join(chosen)
    return "Seq Scan" not in text and ("claimable" in text or "available_at_idx" in text)


def reset(engine) -> None:
    with engine.begin() as c:
        c.exec_driver_sql(
            "UPDATE reminders SET status = 'pending', claimed_by = NULL, lease_until = NULL WHERE status = 'claimed'"
        )


def claim_times(engine, repeats: int) -> list[float]:
    from companion.reminders.dispatch.claiming import claim_due

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows = claim_due(
            engine, claimer="bench-claim", limit=500, lease_seconds=120, now=datetime.now(UTC), channels=CHANNELS
        )
        times.append(time.perf_counter() - started)
        if len(rows) != 500:
            raise SystemExit(f"claimed {len(rows)} rows, expected 500")
        reset(engine)
    return times


def dispatcher_run(url: str, sink: Sink, work: Path, size: int) -> dict[str, Any]:
    process = processes.spawn_dispatcher(
        url, "--once", "--name", f"bench-cost-{size}", log_path=work / f"cost-{size}.log", **sink.settings()
    )
    code, usage, out = processes.wait_with_rusage(process, timeout=300)
    rss_kib = usage.ru_maxrss
    if code != 0:
        raise SystemExit(f"dispatcher --once exited {code}; see {work / f'cost-{size}.log'}")
    summary = json.loads(out.strip().splitlines()[-1])
    return {
        "peak_rss_mib": rss_kib / 1024,
        "batches": summary["batches"],
        "sent": summary["sent"],
        "pass_ms": summary["duration_ms"],
        "ms_per_batch": summary["duration_ms"] / max(1, summary["batches"]),
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0], db_default="postgres")
    p.add_argument(
        "--sizes", help="pending reminders per step (default 10000,100000,1000000; --quick 10000,30000,100000)"
    )
    p.add_argument("--due", type=int, help="of which due now (default 5,000; --quick 1,000)")
    p.add_argument("--repeats", type=int, default=20, help="claims per size")
    p.add_argument("--show-plans", action="store_true", help="print every EXPLAIN, not only the largest")
    p.add_argument("--vacuum-wait", type=float, default=60.0, help="seconds to wait for autovacuum after the drain")
    args = p.parse_args(argv)
    if args.db != "postgres":
        p.error("cost growth is measured on PostgreSQL")
    sizes = [
        int(x) for x in (args.sizes or ("10000,30000,100000" if args.quick else "10000,100000,1000000")).split(",")
    ]
    due = args.due or (1_000 if args.quick else 5_000)
    work = common.workdir(args.keep)
    sink = Sink(work)
    results = []
    plans = {}
    try:
        for size in sizes:
            common.note(f"{size:,} pending, {due:,} due ...")
            url = common.fresh_database("postgres", work, pg_url=args.pg_url, tag=f"cost{size}")
            engine = common.engine_for(url)
            common.seed_people(engine, patients=1000)
            storage_figures.partitions_for(engine, size + due)
            fill_s = fill(engine, size, due, 1000)
            plan, uses_index = explain_claim(engine)
            plans[size] = plan
            times = claim_times(engine, args.repeats)
            api = storage_figures.api_figures(url)
            sized = storage_figures.sizes(engine)
            run = dispatcher_run(url, sink, work, size)
            drained = storage_figures.dead_tuples(engine)
            time.sleep(args.vacuum_wait)
            later = storage_figures.dead_tuples(engine)
            retention = storage_figures.retention_pass(url)
            engine.dispose()
            results.append(
                {
                    "size": size,
                    "fill_s": fill_s,
                    "claim_ms": stats.median(times) * 1000,
                    "claim_p90_ms": stats.percentile(times, 90) * 1000,
                    "uses_index": uses_index,
                    **run,
                    **api,
                    **sized,
                    "dead_after_drain": drained["dead"],
                    "dead_later": later["dead"],
                    "autovacuumed": later["autovacuumed_partitions"],
                    **retention,
                }
            )
    finally:
        sink.stop()
    first, last = results[0], results[-1]
    common.print_table(
        f"Cost growth on PostgreSQL, {due:,} due, claims of 500 "
        f"(python -m bench.cost_growth{' --quick' if args.quick else ''})",
        [
            "pending",
            "insert s",
            "claim ms (median)",
            "claim ms (p90)",
            "partial index",
            "dispatch ms/batch",
            "batches",
            "sent",
            "peak RSS MiB",
        ],
        [
            [
                r["size"],
                r["fill_s"],
                r["claim_ms"],
                r["claim_p90_ms"],
                "yes" if r["uses_index"] else "NO",
                r["ms_per_batch"],
                r["batches"],
                r["sent"],
                r["peak_rss_mib"],
            ]
            for r in results
        ],
    )
    common.print_table(
        "The API, storage and vacuum at each size",
        [
            "pending", "treatment ms", "timeline ms", "worklist ms", "outbox MiB", "outbox index MiB",
            "deliveries MiB", "dead after drain", f"dead {args.vacuum_wait:.0f} s later", "autovacuumed parts",
            "storage pass ms", "parts kept",
        ],
        [
            [
                r["size"], r["treatment_ms"], r["timeline_ms"], r["worklist_ms"], r["reminders_mib"],
                r["reminders_index_mib"], r["deliveries_mib"], r["dead_after_drain"], r["dead_later"],
                r["autovacuumed"], r["retention_ms"], r["partitions_kept"],
            ]
            for r in results
        ],
    )  # fmt: skip
    for size in sizes if args.show_plans else sizes[-1:]:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the claim, {size:,} pending:")
        print(plans[size])
    ratios = {key: last[key] / first[key] for key in RATIOS}
    print(f"\n{last['size']:,} vs {first['size']:,}: " + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
    common.emit_json(
        {
            "benchmark": "cost_growth",
            "due": due,
            **{f"{key}_{r['size']}": round(r[key], 2) for r in results for key in (*RATIOS, "reminders_mib")},
            **{f"{key}_ratio": round(value, 2) for key, value in ratios.items()},
            "partial_index_used": all(r["uses_index"] for r in results),
            "targets": {f"{key}<=1.5x": value <= 1.5 for key, value in ratios.items()},
        }
    )


# Each of these at the largest size within 1.5x of the smallest (the target).
RATIOS = (
    "claim_ms", "claim_p90_ms", "ms_per_batch", "peak_rss_mib", "treatment_ms", "timeline_ms", "worklist_ms",
    "retention_ms",
)  # fmt: skip


if __name__ == "__main__":
    main()
