"""The multi-host drill: eight hosts in network namespaces, five faults under steady load.

PostgreSQL, Redis, the fake FCM, two API hosts behind nginx and two dispatchers each run on
a host of their own (tests/drills/cluster.py). While a load generator enrolls patients,
posts check-ins and reads timelines through nginx, and reminders fall due:

  (a) a dispatcher's link is cut for longer than its lease, then returns
  (b) an API host's link is cut, then returns
  (c) the database host is paused (SIGSTOP) and resumed
  (d) one client's failed sign-ins spread over both API hosts
  (e) the dispatchers' clocks 30 s apart

Each fault prints due, sent, duplicates, lost and p99 lateness of its reminders.
Needs root and `ip netns` (skipped with the reason otherwise; under CI=true it fails).
Runs in the PostgreSQL pass of CI only: it starts its own PostgreSQL, so a second run
in the SQLite pass would prove nothing new and cost the same minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, insert, select

from bench.common import tables
from tests.drills.cluster import LEASE_SECONDS, PATIENTS, Cluster
from tests.drills.hosts import Network, unavailable
from tests.drills.load import Load

pytestmark = [
    pytest.mark.postgres("runs once per CI run; it brings its own PostgreSQL host, so the SQLite pass adds nothing"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def cluster():
    reason = unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the multi-host drill must run in CI: {reason}")
        print(f"multi-host drill skipped: {reason}")
        pytest.skip(reason)
    work = Path(tempfile.mkdtemp(prefix="companion-multihost-"))
    work.chmod(0o755)  # the PostgreSQL host's user reaches its data directory inside
    network = Network()
    running = Cluster(network, work)
    try:
        running.start()
        yield running
    except BaseException:
        for name in ("api1", "disp1", "disp2"):
            print(f"--- {name} ---\n{running.log_tail(name)}")
        raise
    finally:
        network.close()
    shutil.rmtree(work)  # kept when start-up failed, for its logs


@pytest.fixture(scope="module")
def load(cluster):
    running = Load(cluster.base, cluster.api_key)
    running.start()
    yield running
    running.stop()


def _due(cluster: Cluster, count: int, *, over: float, first_in: float = 0.0) -> dict[int, datetime]:
    """`count` patient reminders falling due evenly over the next `over` seconds."""
    reminders = tables()["reminders"]
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        at = now + timedelta(seconds=first_in + over * i / count)
        rows.append(
            dict(
                channel="patient_push",
                clinic_id=1,
                patient_id=i % PATIENTS + 1,
                kind="hydrate",
                plan_key=f"drill-{now.timestamp()}-{i}",
                title="Hydrate",
                body="Moisturise now.",
                priority="normal",
                payload={},
                due_at=at,
                expires_at=at + timedelta(hours=2),
                available_at=at,
                status="pending",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
    with cluster.engine.begin() as connection:
        found = connection.execute(insert(reminders).returning(reminders.c.id, reminders.c.due_at), rows).all()
    return {row.id: row.due_at for row in found}


def _unsent(cluster: Cluster, ids: dict[int, datetime]) -> int:
    reminders = tables()["reminders"]
    with cluster.engine.connect() as connection:
        query = select(func.count()).where(reminders.c.id.in_(list(ids)), reminders.c.status != "sent")
        return connection.execute(query).scalar_one()


def _settle(cluster: Cluster, ids: dict[int, datetime], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _unsent(cluster, ids) and time.monotonic() < deadline:
        time.sleep(0.25)


def _figures(cluster: Cluster, fault: str, ids: dict[int, datetime]) -> dict[str, object]:
    sends = [s for s in cluster.sends() if s["reminder_id"] and int(s["reminder_id"]) in ids]
    first: dict[int, float] = {}
    for send in sends:
        rid = int(send["reminder_id"])
        first[rid] = min(first.get(rid, send["at"]), send["at"])
    lateness = sorted(first[rid] - ids[rid].timestamp() for rid in first)
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else None
    figures = {
        "fault": fault,
        "due": len(ids),
        "sent": len(first),
        "duplicates": len(sends) - len(first),
        "lost": len(ids) - len(first),
        "p99_lateness_s": None if p99 is None else round(p99, 2),
        "earliest_s": None if not lateness else round(lateness[0], 2),
    }
    print("  ".join(f"{key}={value}" for key, value in figures.items()))
    return figures


def _by_host(cluster: Cluster, ids: dict[int, datetime]) -> Counter[str]:
    names = {cluster.host(n).address: n for n in ("disp1", "disp2")}
    return Counter(names.get(s["peer"], s["peer"]) for s in cluster.sends() if int(s["reminder_id"] or 0) in ids)


def _held_by(cluster: Cluster, name: str) -> set[int]:
    reminders = tables()["reminders"]
    with cluster.engine.connect() as connection:
        query = select(reminders.c.id).where(reminders.c.status == "claimed", reminders.c.claimed_by == name)
        return set(connection.execute(query).scalars())


def test_a_dispatcher_cut_off_past_its_lease_sends_nothing_it_lost(cluster, load):
    ids = _due(cluster, 300, over=8)
    disp1 = cluster.host("disp1")
    deadline = time.monotonic() + 15
    # Mid-pass, just as it claims a slice: it has sent some of these already.
    while time.monotonic() < deadline and _by_host(cluster, ids)["disp1"] < 20:
        time.sleep(0.01)
    seen = _held_by(cluster, "disp1")
    while time.monotonic() < deadline and not (_held_by(cluster, "disp1") - seen):
        seen |= _held_by(cluster, "disp1")
        time.sleep(0.005)
    cut_at = time.time()
    cluster.net.cut(disp1)
    time.sleep(LEASE_SECONDS + 4)
    restored_at = time.time()
    cluster.net.restore(disp1)
    _settle(cluster, ids)
    time.sleep(8)  # the cut host's retransmissions land and it carries on with what it held
    figures = _figures(cluster, "a: dispatcher link cut 10 s", ids)

    sends = [s for s in cluster.sends() if int(s["reminder_id"] or 0) in ids]
    count = Counter(int(s["reminder_id"]) for s in sends)
    repeated = [s for s in sends if count[int(s["reminder_id"])] > 1 and s["peer"] == disp1.address]
    after_return = [s for s in repeated if s["at"] >= restored_at]
    in_flight = [s for s in repeated if s["at"] < cut_at + 0.5]
    log = (cluster.work / "disp1.log").read_text()
    fenced = log.count("dropped unsent")
    lost_claims = log.count("lost claim on reminder")
    print(
        f"   sent by host: {dict(_by_host(cluster, ids))}; cut host's repeats: in flight at the cut "
        f"{len(in_flight)}, after its link returned {len(after_return)}; slices dropped by the fence: {fenced}, "
        f"lost claims noticed when recording: {lost_claims}"
    )
    assert figures["lost"] == 0
    assert after_return == []  # the fence: nothing whose lease it lost
    assert len(in_flight) == figures["duplicates"]  # repeats are only pushes FCM had taken as the link went
    assert figures["duplicates"] <= cluster_batch()


def cluster_batch() -> int:
    from tests.drills.cluster import BATCH

    return BATCH


def test_b_an_api_host_cut_off_is_routed_around(cluster, load):
    api1 = cluster.host("api1")
    time.sleep(2)
    cut_at = time.time()
    cluster.net.cut(api1)
    time.sleep(6)
    restored_at = time.time()
    cluster.net.restore(api1)
    time.sleep(4)
    during = load.between(cut_at, restored_at + 4)
    statuses = Counter(r.status for r in during)
    slowest = max((r.seconds for r in during), default=0.0)
    print(f"b: API host link cut 6 s  requests={len(during)} statuses={dict(statuses)} slowest_s={slowest:.2f}")
    assert during and statuses["error"] == 0
    assert not [r for r in during if isinstance(r.status, int) and r.status >= 500]
    assert sum(n for s, n in statuses.items() if s in (200, 201)) == len(during)


def test_c_a_paused_database_host_is_recovered_from_without_restarts(cluster, load):
    ids = _due(cluster, 200, over=6)
    time.sleep(1)
    paused_at = time.time()
    cluster.pause_database()
    time.sleep(5)
    cluster.resume_database()
    resumed_at = time.time()
    _settle(cluster, ids)
    time.sleep(2)
    figures = _figures(cluster, "c: database host paused 5 s", ids)
    after = load.between(resumed_at + 1, time.time())
    during = load.between(paused_at, resumed_at + 1)
    print(f"   API during the pause: {dict(Counter(r.status for r in during))}")
    print(f"   API after it: {dict(Counter(r.status for r in after))}")
    for name in ("api1", "api2"):
        answer = requests.get(
            f"http://{cluster.host(name).address}:8000/healthz",
            headers={"Authorization": "Bearer drill-ops-token"},
            timeout=10,
        )
        assert answer.status_code == 200, (name, answer.text)
        passes = {d["name"]: d["age_seconds"] for d in answer.json()["dispatcher"]["dispatchers"]}
        assert passes.get("disp1", 99) < 10 and passes.get("disp2", 99) < 10, passes  # both pass again
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert after and all(r.status in (200, 201) for r in after)
    assert all(p.poll() is None for n in ("api1", "api2", "disp1", "disp2") for p in cluster.host(n).processes)


def test_d_sign_in_failures_over_both_api_hosts_are_limited_as_one_client(cluster):
    statuses = [
        requests.post(
            f"{cluster.base}/v1/patient-sessions", json={"enrollment_code": f"WRONG{n:04d}"}, verify=False, timeout=10
        ).status_code
        for n in range(14)
    ]
    refused = re.compile(r'/v1/patient-sessions HTTP/[\d.]+" (?:401|429) ')

    def answered_by() -> dict[str, int]:
        return {n: len(refused.findall((cluster.work / f"{n}.log").read_text())) for n in ("api1", "api2")}

    served = answered_by()
    for _ in range(50):  # an access-log line may reach the file a moment after its answer
        if sum(served.values()) >= len(statuses):
            break
        time.sleep(0.1)
        served = answered_by()
    print(f"d: sign-in failures from one client  statuses={statuses} answered_by={served}")
    assert 429 not in statuses[:10] and statuses[10:] == [429] * 4  # "10 per minute", counted once
    assert sum(served.values()) == len(statuses) and all(served.values())  # both hosts took part


def test_e_dispatcher_clocks_30_s_apart_send_nothing_twice_or_early_beyond_the_skew(cluster):
    _restart_dispatchers(cluster, {"DISPATCH_CLOCK_SKEW_SECONDS": 35}, disp2_clock=30)
    try:
        ids = _due(cluster, 100, over=1, first_in=-1)  # a backlog both hosts see as due
        ids.update(_due(cluster, 100, over=6, first_in=2))
        _settle(cluster, ids)
        time.sleep(2)
        figures = _figures(cluster, "e: dispatcher clocks 30 s apart", ids)
        print(f"   sent by host: {dict(_by_host(cluster, ids))}")
    finally:  # the other faults (in whatever order they run) expect the plain pair
        _restart_dispatchers(cluster, {}, disp2_clock=0)
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert figures["earliest_s"] is not None and float(figures["earliest_s"]) >= -31  # early by the skew at most


def _restart_dispatchers(cluster: Cluster, settings: dict[str, object], *, disp2_clock: int) -> None:
    for name in ("disp1", "disp2"):
        cluster.stop_dispatcher(name)
    cluster.start_dispatcher("disp1", **settings)
    cluster.start_dispatcher("disp2", clock_offset=disp2_clock, **settings)
    cluster.wait_for_dispatchers()
