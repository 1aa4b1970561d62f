"""Health for a load balancer and metrics for Prometheus: the database, the dispatcher, the backlog."""


def test_healthz_reports_database(client):
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok"
    assert "dispatcher" in body


def test_metrics_report_the_due_backlog(app, client):
    from datetime import timedelta

    from companion.core.clock import clock
    from tests.factories import create_clinic, enroll, record_treatment

    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    record_treatment(client, clinic, patient["id"])
    clock.freeze(clock.now() + timedelta(days=30))  # the next-session reminder is due, not yet stale
    text = client.get("/metrics").get_data(as_text=True)
    backlog = next(line for line in text.splitlines() if line.startswith("companion_reminders_due_backlog "))
    assert float(backlog.split()[1]) > 0
