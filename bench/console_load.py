"""Benchmark: the clinic console and its API at one large clinic.

One clinic with `--patients` patients (default 100,000) in mixed states, written straight
into a fresh database (SQLite executemany, PostgreSQL COPY): 30% never signed in to the
app, a session each (a fifth of them the last of their series), bookings ahead for 10%
and a visit gone unrecorded for 1%, an alert for 1% (half acknowledged), some check-ins,
and `--reminders-per-patient` reminders each (default 10, so 1,000,000 rows; 40 gives the
4 million of issue 20): sent, opened, acknowledged, pending, undeliverable or expired.

Then, in process through Flask's test client (the server's own time, no network), each
page is requested `--requests` times after two warm-ups: `GET /v1/worklist`, the console
home, the patient list (newest activity first) and its search by name, by phone as typed
(national digits) and by part of an e-mail address, a patient page (a different patient each time), Results and
`GET /v1/reports/engagement`. Prints p50/p95 milliseconds and the SQL statements each
request ran, then one JSON line. Targets (issue 20): worklist, home and patient pages
p95 <= 100 ms, Results <= 300 ms.

    .venv/bin/python -m bench.console_load                       # both databases, ~5 min on 2 busy cores
    .venv/bin/python -m bench.console_load --quick               # 10,000 patients, ~30 s
    .venv/bin/python -m bench.console_load --db postgres --patients 100000 --reminders-per-patient 40
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import common
from bench.bulk import Writer
from devtools import stats

PASSWORD = "a long bench passphrase"
_KINDS = ("hydration", "sun_protection", "restriction_ended")
_SEVERITIES = ("urgent", "contact_clinic", "self_care")


# ---------------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------------


class Clinic:
    """Who is in which state: a function of the patient number alone, so runs repeat."""

    def __init__(self, patients: int, per_patient: int, now: datetime) -> None:
        self.patients, self.per_patient, self.now = patients, per_patient, now

    def enrolled(self, p: int) -> datetime:
        return self.now - timedelta(days=2 + (p * 7919) % 240, hours=1)

    def signed_in(self, p: int) -> bool:
        return p % 10 >= 3

    def alert(self, p: int) -> bool:
        return p % 100 == 1

    def raised(self, p: int) -> datetime:
        return self.now - timedelta(days=p % 30, hours=p % 24)

    def checked_in(self, p: int) -> datetime | None:
        if self.alert(p):
            return self.raised(p)
        return self.enrolled(p) + timedelta(hours=26) if p % 7 == 0 else None

    def last_activity(self, p: int) -> datetime:
        """As the service keeps it (patients/activity.py): the latest of enrollment, session, sign-in, check-in."""
        signed_in = self.enrolled(p) + timedelta(hours=1) if self.signed_in(p) else self.enrolled(p)
        return max(signed_in, self.checked_in(p) or signed_in)

    @staticmethod
    def phone(p: int) -> str:
        return f"+3461{p:07d}"


def seed(engine, clinic_id: int, plan: Clinic) -> dict[str, int]:
    w, now, n = Writer(engine), plan.now, plan.patients
    people = range(1, n + 1)
    empty, none = "{}", "[]"
    counts = {}
    counts["patients"] = w.write(
        "patients",
        ("id", "clinic_id", "display_name", "external_ref", "timezone", "locale", "quiet_start", "quiet_end",
         "screening", "phone", "email", "created_at", "updated_at", "last_activity_at"),
        (
            (p, clinic_id, f"Patient {p}", f"ref-{p}", "Europe/Madrid", "es" if p % 3 == 0 else "en", "21:00",
             "08:00", empty, plan.phone(p), f"patient{p}@example.com", w.ts(plan.enrolled(p)),
             w.ts(plan.enrolled(p)), w.ts(plan.last_activity(p)))
            for p in people
        ),
    )  # fmt: skip
    counts["patient_tokens"] = w.write(
        "patient_tokens",
        ("id", "patient_id", "token_hash", "created_at"),
        ((p, p, f"{p:064x}", w.ts(plan.enrolled(p) + timedelta(hours=1))) for p in people if plan.signed_in(p)),
    )
    counts["treatments"] = w.write(
        "treatments",
        ("id", "clinic_id", "patient_id", "protocol_key", "performed_at", "needle_depth_mm", "area", "combined_with",
         "session_number", "planned_sessions", "clearance_confirmed", "status", "protocol_snapshot", "created_at",
         "updated_at"),
        (
            (p, clinic_id, p, "microneedling-face" if p % 4 else "microneedling-body", w.ts(plan.enrolled(p)), 1.0,
             "face" if p % 4 else "abdomen", none, 3 if p % 5 == 0 else 1, 3, False, "active", empty,
             w.ts(plan.enrolled(p)), w.ts(plan.enrolled(p)))
            for p in people
        ),
    )  # fmt: skip
    counts["appointments"] = w.write(
        "appointments",
        ("id", "clinic_id", "patient_id", "starts_at", "kind", "status", "created_at", "updated_at"),
        (
            (p, clinic_id, p, w.ts(now + timedelta(days=p % 20 + 1) if p % 10 == 0 else now - timedelta(days=2)),
             "series", "booked", w.ts(now), w.ts(now))
            for p in people
            if p % 10 == 0 or p % 97 == 0
        ),
    )  # fmt: skip
    alerting = [p for p in people if plan.alert(p)]
    raised = {p: plan.raised(p) for p in alerting}
    counts["checkins"] = w.write(
        "checkins",
        ("id", "patient_id", "ratings", "red_flags", "outcome", "reasons", "advice", "created_at"),
        (
            (p, p, '{"redness": 3}', '["fever"]' if p in raised else none,
             _SEVERITIES[p % 3] if p in raised else "expected", '["flag_fever"]' if p in raised else none, "",
             w.ts(raised[p] if p in raised else plan.enrolled(p) + timedelta(hours=26)))
            for p in people
            if p in raised or p % 7 == 0
        ),
    )  # fmt: skip
    counts["alerts"] = w.write(
        "alerts",
        ("id", "clinic_id", "patient_id", "checkin_id", "severity", "reasons", "status", "acknowledged_at",
         "resend_count", "checkin_count", "created_at"),
        (
            (p, clinic_id, p, p, _SEVERITIES[p % 3], '["flag_fever"]', "acknowledged" if p % 200 == 1 else "open",
             w.ts(raised[p] + timedelta(minutes=5 + p % 50)) if p % 200 == 1 else None, 0, 1, w.ts(raised[p]))
            for p in alerting
        ),
    )  # fmt: skip
    counts["reminders"] = w.write(
        "reminders",
        ("id", "channel", "clinic_id", "patient_id", "kind", "plan_key", "title", "body", "priority", "payload",
         "due_at", "expires_at", "available_at", "status", "attempts", "sent_at", "opened_at", "acknowledged_at",
         "created_at", "updated_at"),
        _reminders(w, clinic_id, plan),
    )  # fmt: skip
    with engine.begin() as connection:
        common._fix_sequences(connection, counts)
    # Statistics for the planner and, on PostgreSQL, the visibility map that index-only scans
    # need (autovacuum does both in service; a bulk load has not waited for it).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE" if w.sqlite else "VACUUM ANALYZE")
    return counts


def _reminders(w: Writer, clinic_id: int, plan: Clinic) -> Iterator[tuple[Any, ...]]:
    now, rid = plan.now, 0
    for p in range(1, plan.patients + 1):
        start, signed_in = plan.enrolled(p) + timedelta(hours=4), plan.signed_in(p)
        for k in range(plan.per_patient):
            rid += 1
            due = start + timedelta(hours=12 * k)
            expires = due + timedelta(days=1)
            kind, key = ("checkin_prompt", f"checkin:{24 * k // 2}h") if k in (2, 4) else (_KINDS[k % 3], f"b:{k}")
            sent = opened = acked = None
            if due > now:
                status = "pending"
            elif not signed_in:
                status = "undeliverable" if expires > now else "expired"
            else:
                status, sent = "sent", due
                opened = due + timedelta(minutes=30) if (p + k) % 3 else None
                acked = due + timedelta(hours=1) if (p + k) % 4 == 0 else None
            updated = w.ts(sent or due)
            yield (
                rid, "patient_push", clinic_id, p, kind, key, "Aftercare", "Open the app.", "normal", "{}",
                w.ts(due), w.ts(expires), w.ts(due), status, 1 if sent else 0, w.ts(sent), w.ts(opened), w.ts(acked),
                w.ts(plan.enrolled(p)), updated,
            )  # fmt: skip


# ---------------------------------------------------------------------------------------
# requests
# ---------------------------------------------------------------------------------------


def console_client(app, clinic_id: int):
    from companion.staff.service import change_password, create_staff

    with app.app_context():
        member, one_time = create_staff(clinic_id, "bench@clinic.example", "staff")
        change_password(member, one_time, PASSWORD)
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = client.post(
        "/console/login", data={"csrf_token": token, "email": "bench@clinic.example", "password": PASSWORD}
    )
    assert signed.status_code == 302, signed.status_code
    return client


def measure(engine, call: Callable[[int], Any], requests: int) -> dict[str, Any]:
    from sqlalchemy import event

    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    for i in range(2):
        call(i)
    times = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(requests):
            statements[0] = 0
            started = time.perf_counter()
            response = call(i + 2)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {"p50_ms": stats.median(times), "p95_ms": stats.percentile(times, 95), "queries": statements[0]}


def run(kind: str, args, work) -> dict[str, Any]:
    from companion.clinics.service import create_clinic
    from companion.extensions import db

    url = common.fresh_database(kind, work, pg_url=args.pg_url, tag="console")
    app = common.make_app(url, RATELIMIT_ENABLED=False)
    with app.app_context():
        clinic, key = create_clinic("Bench clinic")
        clinic_id, engine = clinic.id, db.engine
    plan = Clinic(args.patients, args.reminders_per_patient, datetime.now(UTC))
    started = time.perf_counter()
    counts = seed(engine, clinic_id, plan)
    common.note(f"{kind}: seeded {counts} in {time.perf_counter() - started:.1f} s")
    backfill = _course_states(app, engine)
    common.note(f"{kind}: course states of {backfill['rows']:,} patients rebuilt in {backfill['seconds']:.1f} s")
    api, console = app.test_client(), console_client(app, clinic_id)
    headers = {"Authorization": f"Bearer {key}"}
    step = max(1, args.patients // (args.requests + 2))
    pages: dict[str, Callable[[int], Any]] = {
        "GET /v1/worklist": lambda i: api.get("/v1/worklist", headers=headers),
        "console home": lambda i: console.get("/console/"),
        "patient list": lambda i: console.get("/console/patients"),
        "search by name": lambda i: console.get("/console/patients", query_string={"q": f"patient {1 + i * step}"}),
        "search by phone": lambda i: console.get("/console/patients", query_string={"q": plan.phone(1 + i * step)[3:]}),
        "search by e-mail": lambda i: console.get("/console/patients", query_string={"q": f"PATIENT{1 + i * step}@"}),
        "patient page": lambda i: console.get(f"/console/patients/{1 + i * step}"),
        "Results": lambda i: console.get("/console/results"),
        "GET /v1/reports/engagement": lambda i: api.get("/v1/reports/engagement", headers=headers),
    }
    figures = {name: measure(engine, call, args.requests) for name, call in pages.items()}
    total = json.loads(api.get("/v1/worklist?limit=1", headers=headers).get_data())["total"]
    return {"counts": counts, "course_state_backfill": backfill, "worklist_total": total, "pages": figures}


def _course_states(app, engine) -> dict[str, Any]:
    """The bulk load bypassed the services that write each course's state: the migration's own
    backfill writes it (its time is what migration 0017 takes on a clinic this size)."""
    from companion.courses.course_state import rebuild

    started = time.perf_counter()
    with app.app_context(), engine.begin() as connection:
        rows = rebuild(connection)
    seconds = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE course_states")
    return {"rows": rows, "seconds": round(seconds, 2)}


TARGETS = {"GET /v1/worklist": 100, "console home": 100, "patient page": 100, "Results": 300}


def main() -> None:
    p = common.parser("The console and its API at one clinic of many patients.")
    p.add_argument("--patients", type=int, default=100_000)
    p.add_argument("--reminders-per-patient", type=int, default=10)
    p.add_argument("--requests", type=int, default=30, help="timed requests per page")
    args = p.parse_args()
    if args.quick:
        args.patients, args.requests = min(args.patients, 10_000), min(args.requests, 15)
    work = common.workdir(args.keep)
    results = {kind: run(kind, args, work) for kind in common.databases(args.db)}
    rows = []
    for kind, result in results.items():
        for name, f in result["pages"].items():
            target = TARGETS.get(name)
            verdict = "" if target is None else ("ok" if f["p95_ms"] <= target else f"over {target}")
            rows.append([kind, name, f["p50_ms"], f["p95_ms"], f["queries"], verdict])
    title = (
        f"{args.patients:,} patients, {args.reminders_per_patient} reminders each; "
        f"{args.requests} requests a page after 2 warm-ups"
    )
    common.print_table(title, ["database", "page", "p50 ms", "p95 ms", "queries", "target"], rows)
    common.emit_json({"bench": "console_load", "patients": args.patients, **results})


if __name__ == "__main__":
    main()
