"""The naive design: one APScheduler job per reminder, each calling firebase-admin `messaging.send`.

Jobs sit in a SQLAlchemyJobStore on a SQLite file (written in bulk beforehand, all due),
run by a ThreadPoolExecutor. Best case: `threads` workers, no misfire grace, the SDK's
pool tuned as for raw. `defaults=True` is the design as usually written: APScheduler's
default executor (10 threads) and misfire grace (1 s), firebase-admin's defaults.
Timed from scheduler start to the last job's end.
"""

from __future__ import annotations

import logging
import pickle
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common
from bench.send_paths import Meter, sdk_app, warm_up
from devtools.sink import Sink

_state: dict[str, Any] = {}


def naive_send(messages: list[Any]) -> None:
    """One reminder's job: build and send each device's message with `messaging.send`."""
    from firebase_admin import messaging

    from companion.channels.fcm_message import build_message

    for message in messages:
        messaging.send(build_message(message), app=_state["app"])
        with _state["lock"]:
            _state["sent"] += 1


def run(sink: Sink, messages: list[Any], work: Path, threads: int | None, *, defaults: bool = False) -> dict[str, Any]:
    import firebase_admin
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.util import datetime_to_utc_timestamp

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # no "was missed" line per dropped job
    app = sdk_app(sink, tuned=not defaults)
    warm_up(app, messages[0])
    path = work / "naive-jobs.sqlite"
    path.unlink(missing_ok=True)
    store = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    grace = 1 if defaults else None
    executor = ThreadPoolExecutor() if defaults else ThreadPoolExecutor(threads)
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": executor},
        job_defaults={"misfire_grace_time": grace, "coalesce": False, "max_instances": 1},
        timezone=UTC,
    )
    per_reminder: dict[int, list[Any]] = {}
    for message in messages:
        per_reminder.setdefault(message.reminder_id, []).append(message)
    due = datetime.now(UTC) + timedelta(seconds=1) if defaults else datetime.now(UTC) - timedelta(seconds=1)
    rows = []
    for rid, msgs in per_reminder.items():
        job = Job(
            scheduler,
            id=f"reminder-{rid}",
            func="bench.naive:naive_send",
            args=(msgs,),
            kwargs={},
            trigger=DateTrigger(run_date=due, timezone=UTC),
            executor="default",
            name=f"reminder {rid}",
            misfire_grace_time=grace,
            coalesce=False,
            max_instances=1,
            next_run_time=due,
        )
        rows.append(
            {
                "id": job.id,
                "next_run_time": datetime_to_utc_timestamp(due),
                "job_state": pickle.dumps(job.__getstate__(), store.pickle_protocol),
            }
        )
    store.jobs_t.create(store.engine, checkfirst=True)
    with store.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(store.jobs_t.insert(), rows[start : start + 5000])
    failures = {"error": 0, "missed": 0}
    jobs = len(per_reminder)

    def on_event(event: Any) -> None:  # every job ends in exactly one of these events
        with _state["lock"]:
            if event.code != EVENT_JOB_EXECUTED:
                failures["error" if event.code == EVENT_JOB_ERROR else "missed"] += 1
            _state["finished"] += 1
            if _state["finished"] >= jobs:
                _state["done"].set()

    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    _state.update(app=app, lock=threading.Lock(), sent=0, finished=0, done=threading.Event())
    limit = max(120.0, len(messages) / 50)
    meter = Meter().start()
    scheduler.start()
    finished = _state["done"].wait(timeout=limit)
    result = meter.stop(_state["sent"])
    scheduler.shutdown(wait=True)
    firebase_admin.delete_app(app)
    if not finished:
        common.note(f"naive: stopped after {limit:.0f}s with {result['pushes']}/{len(messages)} sent")
    return {
        **result,
        "errors": failures["error"],
        "missed": failures["missed"],
        "threads": threads,
        "complete": finished,
    }
