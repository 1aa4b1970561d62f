"""Benchmark 1: dispatch throughput, three ways, same messages, same FCM sink, one run.

    python -m bench.dispatch_throughput [--quick] [--db sqlite|postgres|both] [--n N]

- raw:   the project's FcmSender (firebase-admin `messaging.send_each`, chunks of 500,
         pool sized to 500) fed the prebuilt messages; no database. The SDK's ceiling.
- naive: one APScheduler job per reminder in a SQLAlchemyJobStore (SQLite file), a
         ThreadPoolExecutor, each job calling `messaging.send` per device of the reminder
         (same firebase app and pool tuning). Timed from scheduler start to last send.
- ours:  the real dispatcher, in process: `Dispatcher.from_app(app).run_pass(budget_seconds=None)`
         on SQLite and PostgreSQL (claim, plan, send_each, record deliveries), and the
         `flask companion dispatcher --once` subprocess on the last database (start-up included).

Reminders are spread over patients with one device each, every 4th patient two
(1.25 pushes per reminder); Android and iOS, installation ids and legacy tokens.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common

log = logging.getLogger("bench.dispatch_throughput")

# -- the naive design's job (module level: APScheduler pickles a textual reference) -----------

_naive: dict[str, Any] = {}


def naive_send(messages: list[Any]) -> None:
    """One reminder's job: build and send each device's message with `messaging.send`."""
    from firebase_admin import messaging

    from companion.push.fcm import build_message

    app = _naive["app"]
    for message in messages:
        messaging.send(build_message(message), app=app)
        with _naive["lock"]:
            _naive["sent"] += 1


# -- the three ways ---------------------------------------------------------------------------

def run_raw(sink: common.Sink, messages: list[Any]) -> dict[str, Any]:
    from companion.push import base as push
    from companion.push.fcm import CHUNK_SIZE, FcmSender

    sender = FcmSender.from_config(sink.overrides())
    try:
        sender.send([_warmup(messages[0])])  # token and connection set-up outside the timing
        started = time.perf_counter()
        cpu = time.process_time()
        results = []
        for start in range(0, len(messages), CHUNK_SIZE):
            results += sender.send(messages[start:start + CHUNK_SIZE])
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        sender.close()
    sent = sum(r.outcome == push.SENT for r in results)
    return {"pushes": sent, "seconds": elapsed, "rate": sent / elapsed, "cpu_seconds": cpu, "errors": len(results) - sent}


def run_naive(
    sink: common.Sink, backlog: common.Backlog, work: Path, threads: int | None, *, defaults: bool = False,
) -> dict[str, Any]:
    """`defaults=True` is the design as usually written: APScheduler's default executor (10
    threads) and misfire grace (1 s), firebase-admin's default connection pool and proxy
    lookups. Otherwise its best case: `threads` workers, no misfire grace, our pool tuning."""
    import pickle

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.util import datetime_to_utc_timestamp
    from firebase_admin import messaging

    from companion.push.fcm import FcmSender, build_message

    # No per-job log lines (with the defaults, one "was missed" warning per dropped job; they are counted).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    sender = FcmSender.from_config(sink.overrides())  # same firebase app set-up and pool tuning
    if defaults:  # undo the tuning, keep only the endpoint (the sink) and offline credentials
        import requests.adapters

        session = messaging._get_messaging_service(sender._app)._client.session  # noqa: SLF001
        session.mount(sink.url, requests.adapters.HTTPAdapter())
        session.trust_env = True
    sender._ensure_token()  # noqa: SLF001  (one token, not one per thread)
    messaging.send(build_message(_warmup(backlog.messages()[0])), app=sender._app)  # noqa: SLF001
    path = work / "naive-jobs.sqlite"
    path.unlink(missing_ok=True)
    store = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    grace = 1 if defaults else None
    executor = ThreadPoolExecutor() if defaults else ThreadPoolExecutor(threads)
    scheduler = BackgroundScheduler(
        jobstores={"default": store}, executors={"default": executor},
        job_defaults={"misfire_grace_time": grace, "coalesce": False, "max_instances": 1}, timezone=UTC,
    )
    # What enrollment would have written over time: one pickled job per reminder, all now due.
    # Inserted in bulk (the store's own add_job commits one row at a time) to keep set-up short.
    per_reminder: dict[int, list[Any]] = {}
    for message in backlog.messages():
        per_reminder.setdefault(message.reminder_id, []).append(message)
    due = datetime.now(UTC) + timedelta(seconds=1) if defaults else datetime.now(UTC) - timedelta(seconds=1)
    rows = []
    for rid, msgs in per_reminder.items():
        job = Job(
            scheduler, id=f"reminder-{rid}", func="bench.dispatch_throughput:naive_send", args=(msgs,), kwargs={},
            trigger=DateTrigger(run_date=due, timezone=UTC), executor="default", name=f"reminder {rid}",
            misfire_grace_time=grace, coalesce=False, max_instances=1, next_run_time=due,
        )
        rows.append({"id": job.id, "next_run_time": datetime_to_utc_timestamp(due),
                     "job_state": pickle.dumps(job.__getstate__(), store.pickle_protocol)})
    store.jobs_t.create(store.engine, checkfirst=True)
    with store.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(store.jobs_t.insert(), rows[start:start + 5000])
    expected = sum(len(m) for m in per_reminder.values())
    failures = {"error": 0, "missed": 0}

    jobs = len(per_reminder)

    def on_event(event: Any) -> None:  # every job ends in exactly one of these events
        with _naive["lock"]:
            if event.code != EVENT_JOB_EXECUTED:
                failures["error" if event.code == EVENT_JOB_ERROR else "missed"] += 1
            _naive["finished"] += 1
            if _naive["finished"] >= jobs:
                _naive["done"].set()

    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    _naive.update(app=sender._app, lock=threading.Lock(), sent=0, finished=0, done=threading.Event())  # noqa: SLF001
    limit = max(120.0, expected / 50)
    started = time.perf_counter()
    cpu = time.process_time()
    scheduler.start()
    finished = _naive["done"].wait(timeout=limit)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    scheduler.shutdown(wait=True)
    sender.close()
    sent = _naive["sent"]
    if not finished:
        common.note(f"naive: stopped after {limit:.0f}s with {sent}/{expected} sent")
    return {"pushes": sent, "seconds": elapsed, "rate": sent / elapsed, "cpu_seconds": cpu,
            "errors": failures["error"], "missed": failures["missed"], "threads": threads, "complete": finished}


def run_ours(url: str, sink: common.Sink, backlog: common.Backlog) -> dict[str, Any]:
    from companion.reminders.dispatch import Dispatcher

    app = common.make_app(url, **sink.overrides())
    dispatcher = Dispatcher.from_app(app, name="bench-ours")
    engine = dispatcher.engine
    try:
        dispatcher.sender.send([_warmup(backlog.messages()[0])])  # token + connections, as raw had
        with app.app_context():
            started = time.perf_counter()
            cpu = time.process_time()
            stats = dispatcher.run_pass(budget_seconds=None)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        sent = common.sent_deliveries(engine)
        duplicates = common.duplicate_sends(engine)
        statuses = common.status_counts(engine)
    finally:
        dispatcher.sender.close()  # type: ignore[attr-defined]
        engine.dispose()
    return {"pushes": sent, "seconds": elapsed, "rate": sent / elapsed, "cpu_seconds": cpu,
            "batches": stats.batches, "reminders_sent": stats.sent, "duplicates": duplicates,
            "left": {k: v for k, v in statuses.items() if k != "sent"}}


def run_once_subprocess(url: str, sink: common.Sink, work: Path, pushes: int) -> dict[str, Any]:
    process = common.spawn_dispatcher(url, sink, "--once", "--name", "bench-once", log_path=work / "once.log")
    started = time.perf_counter()
    code, rss_kib, out = common.wait_with_rusage(process, timeout=max(300.0, pushes / 50))
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"--once exited {code}; see {work / 'once.log'}")
    summary = common.json.loads(out.strip().splitlines()[-1])
    engine = common.engine_for(url)
    sent = common.sent_deliveries(engine)
    duplicates = common.duplicate_sends(engine)
    engine.dispose()
    return {"pushes": sent, "seconds": elapsed, "rate": sent / elapsed, "pass_seconds": summary["duration_ms"] / 1000,
            "pass_rate": sent / max(summary["duration_ms"] / 1000, 1e-9), "peak_rss_mib": rss_kib / 1024,
            "duplicates": duplicates}


def _warmup(message: Any) -> Any:
    from dataclasses import replace

    return replace(message, identifier="warmup-" + message.identifier, reminder_id=0)


def _prepare(kind: str, work: Path, args: Any, n: int) -> tuple[str, common.Backlog]:
    url = common.fresh_database(kind, work, pg_url=args.pg_url)
    engine = common.engine_for(url)
    due0 = datetime.now(UTC) - timedelta(minutes=1)
    backlog = common.seed_backlog(engine, n, due=lambda i: due0 + timedelta(microseconds=i))
    engine.dispose()
    return url, backlog


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, help="reminders (default 20,000; --quick 2,000)")
    p.add_argument("--naive-threads", type=int, default=32, help="APScheduler ThreadPoolExecutor size")
    p.add_argument("--sink", choices=("fast", "fake"), default="fast",
                   help="fast asyncio sink (default) or the project's FakeFcmServer")
    p.add_argument("--no-subprocess", action="store_true", help="skip the `--once` subprocess run")
    args = p.parse_args(argv)
    n = args.n or (2_000 if args.quick else 20_000)
    work = common.workdir(args.keep)
    sink = common.Sink(work, fake=args.sink == "fake")
    results: dict[str, dict[str, Any]] = {}
    try:
        kinds = common.databases(args.db)
        prepared = {kind: _prepare(kind, work, args, n) for kind in kinds}
        backlog = prepared[kinds[0]][1]
        messages = backlog.messages()
        common.note(f"{n} reminders, {len(messages)} pushes; sink {sink.url}")
        common.note("raw send_each ...")
        results["raw"] = run_raw(sink, messages)
        common.note("naive APScheduler ...")
        results["naive"] = run_naive(sink, backlog, work, args.naive_threads)
        common.note("naive APScheduler with library defaults ...")
        results["naive_defaults"] = run_naive(sink, backlog, work, None, defaults=True)
        for kind in kinds:
            common.note(f"ours on {kind} ...")
            url, _ = prepared[kind]
            results[f"ours_{kind}"] = run_ours(url, sink, backlog)
        if not args.no_subprocess:
            kind = kinds[-1]
            common.note(f"ours --once subprocess on {kind} ...")
            url, _ = _prepare(kind, work, args, n)
            results[f"ours_{kind}_once"] = run_once_subprocess(url, sink, work, len(messages))
    finally:
        sink.stop()

    raw, naive = results["raw"]["rate"], results["naive"]["rate"] or float("nan")
    rows = []
    labels = {"raw": "raw: FcmSender/send_each, no DB",
              "naive": f"naive: APScheduler job per reminder ({args.naive_threads} threads, no misfire grace)",
              "naive_defaults": "naive with APScheduler/firebase-admin defaults (10 threads, 1 s grace)"}
    for key, r in results.items():
        label = labels.get(key) or (f"ours: dispatcher --once subprocess ({key.split('_')[1]}, incl. start-up)"
                                    if key.endswith("_once") else f"ours: Dispatcher.run_pass ({key.split('_')[1]})")
        rows.append([label, r["pushes"], r["seconds"], r["rate"], r["rate"] / raw, r["rate"] / naive,
                     r.get("cpu_seconds", ""), r.get("duplicates", ""), r.get("missed", "")])
    common.print_table(
        f"Dispatch throughput: {n:,} reminders, {len(messages):,} pushes, sink={args.sink} "
        f"(python -m bench.dispatch_throughput{' --quick' if args.quick else ''} --db {args.db})",
        ["way", "pushes", "seconds", "pushes/s", "x raw", "x naive", "cpu s", "dups", "dropped jobs"], rows,
    )
    figures: dict[str, Any] = {"benchmark": "dispatch_throughput", "reminders": n, "pushes": len(messages),
                               "sink": args.sink}
    for key, r in results.items():
        figures[f"{key}_per_s"] = round(r["rate"], 1)
    for kind in common.databases(args.db):
        ours = results[f"ours_{kind}"]["rate"]
        figures[f"ours_{kind}_over_raw"] = round(ours / raw, 3)
        figures[f"ours_{kind}_over_naive"] = round(ours / naive, 2)
        figures[f"ours_{kind}_duplicates"] = results[f"ours_{kind}"]["duplicates"]
    figures["targets"] = {"ours_over_raw>=0.9": all(figures[f"ours_{k}_over_raw"] >= 0.9 for k in kinds),
                          "ours_over_naive>=5": all(figures[f"ours_{k}_over_naive"] >= 5 for k in kinds)}
    figures["naive_missed_or_errors"] = results["naive"]["missed"] + results["naive"]["errors"]
    defaults = results["naive_defaults"]
    figures["naive_defaults_dropped_jobs"] = defaults["missed"]
    figures["naive_defaults_sent_pushes"] = defaults["pushes"]
    for kind in common.databases(args.db):
        figures[f"ours_{kind}_over_naive_defaults"] = round(results[f"ours_{kind}"]["rate"] / defaults["rate"], 2)
    common.emit_json(figures)


if __name__ == "__main__":
    # Run the importable module, not __main__: the naive jobs refer to
    # `bench.dispatch_throughput:naive_send` and must share its state.
    from bench import dispatch_throughput

    dispatch_throughput.main()
