"""Heartbeats for /healthz, outbox gauges for Prometheus, neutral texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels import texts
from companion.core.clock import clock
from companion.extensions import db
from companion.ops.views import metrics
from companion.reminders import models
from companion.reminders.dispatch.heartbeat import beat, dispatcher_health
from tests.reminders import rows


def test_health_is_stale_until_a_dispatcher_has_passed(ctx):
    report = dispatcher_health()
    assert (report["stale"], report["last_pass_at"], report["dispatchers"]) == (True, None, [])


def test_health_reports_the_newest_pass_and_each_dispatcher(ctx, make_dispatcher):
    clock.freeze(clock.now())
    make_dispatcher(name="old").run_pass()
    clock.advance(timedelta(seconds=90))
    make_dispatcher(name="new").run_pass()
    clock.advance(timedelta(seconds=5))

    report = dispatcher_health(stale_after=60)

    assert (report["stale"], report["age_seconds"]) == (False, 5.0)
    assert [(d["name"], d["stale"]) for d in report["dispatchers"]] == [("new", False), ("old", True)]
    clock.advance(timedelta(seconds=60))
    assert dispatcher_health(stale_after=60)["stale"] is True


def test_heartbeat_upsert_keeps_one_row_per_dispatcher(ctx):
    for n in range(3):
        beat(db.engine, name="d1", at=clock.now(), stats={"claimed": n})
    report = dispatcher_health()
    assert len(report["dispatchers"]) == 1
    assert db.session.get(models.DispatcherHeartbeat, "d1").stats == {"claimed": 2}


def test_healthz_shows_the_dispatcher(client, make_dispatcher):
    make_dispatcher(name="beating").run_pass()
    body = client.get("/healthz").get_json()
    assert body["dispatcher"]["dispatchers"][0]["name"] == "beating"
    assert body["dispatcher"]["stale"] is False


def test_outbox_gauges(ctx, app):
    clock.freeze(clock.now())
    person = rows.patient(rows.clinic())
    rows.reminder(person, due_in=timedelta(minutes=-3))
    rows.reminder(person, due_in=timedelta(seconds=-30))
    rows.reminder(person, due_in=timedelta(minutes=10))
    rows.reminder(person, status=models.SENT)

    with app.test_request_context("/metrics"):
        response = metrics()

    text = response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    assert "companion_reminders_due_backlog 2.0" in text
    assert "companion_reminders_oldest_due_age_seconds 180.0" in text
    assert 'companion_reminders{status="pending"} 3.0' in text
    assert 'companion_reminders{status="sent"} 1.0' in text
    assert 'companion_reminders{status="cancelled"} 0.0' in text


def test_metrics_route(client, app):
    if not any(rule.rule == "/metrics" for rule in app.url_map.iter_rules()):
        pytest.skip("companion.reminders.views.blp is not registered in companion/blueprints.py yet")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "companion_reminders_due_backlog" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("ES_ar", "es"),
        ("en-US", "en"),
        ("pt-BR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_of_locale(locale, language):
    assert texts.language_of(locale) == language


def test_every_language_has_both_audiences_and_no_health_words():
    for language in texts.supported_languages():
        for audience in (texts.PATIENT, texts.STAFF):
            title, body = texts.neutral_text(language, audience)
            assert title and body
            for word in ("microneedl", "redness", "swelling", "infection", "enrojec", "hinchaz", "infecci"):
                assert word not in (title + body).lower()
