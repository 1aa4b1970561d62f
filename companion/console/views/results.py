"""Results at a glance: the engagement report as charts with their tables, and as CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from companion.console.forms import load
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp
from companion.core.i18n import N_, negotiate, translate
from companion.protocols.registry import get_registry
from companion.reports import charts
from companion.reports import service as reports
from companion.reports.schemas import EngagementArgsSchema

_ARGS = ("from", "to", "protocol")
# Reminder kinds and channels as the Results tables name them (`kind.replace("_", " ")`).
KIND_WORDS = (
    N_("restriction ended"),
    N_("sun protection"),
    N_("hydration"),
    N_("checkin prompt"),
    N_("next session"),
    N_("progress checkin"),
    N_("maintenance"),
    N_("appointment"),
    N_("patient push"),
)


def _protocol_titles() -> dict[str, str]:
    """The protocol filter's choices by their titles in the reader's language, never their keys."""
    locale = negotiate(g.staff.locale)
    return {p.key: p.content["title"].get(locale) or p.content["title"]["en"] for p in get_registry().all()}


def _args() -> tuple[dict[str, Any] | None, dict[str, str]]:
    return load(EngagementArgsSchema(), {k: v for k, v in request.args.items() if k in _ARGS and v})


@bp.route("/results")
@staff_required
def results() -> ResponseReturnValue:
    args, errors = _args()
    typed = {k: request.args.get(k, "") for k in _ARGS}
    if args is None:
        page = render_template(
            "console/results.html", report=None, errors=errors, typed=typed, protocols=_protocol_titles()
        )
        return page, 422
    report = reports.engagement(staff_clinic(), args.get("from_"), args.get("to"), args.get("protocol"))
    return render_template(
        "console/results.html",
        report=report,
        errors={},
        typed=typed,
        protocols=_protocol_titles(),
        charts=_charts(report),
    )


@bp.route("/results.csv")
@staff_required
def results_csv() -> ResponseReturnValue:
    args, errors = _args()
    if args is None:
        return Response("; ".join(f"{k}: {v}" for k, v in errors.items()), 422, mimetype="text/plain")
    report = reports.engagement(staff_clinic(), args.get("from_"), args.get("to"), args.get("protocol"))
    name = f"results-{report['from']}-{report['to']}.csv"
    return Response(
        reports.as_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _charts(report: dict[str, Any]) -> dict[str, Markup]:
    """The SVG charts, titled in the reader's language (the SVG escapes every label)."""
    locale = str(g.staff.locale)

    def _(text: str) -> str:
        return translate(text, locale)

    steps = ("planned", "sent", "opened", "acknowledged")
    funnel = {step: sum(row[step] for row in report["reminders"]) for step in steps}
    series = report["series"]
    return {
        "funnel": Markup(charts.bar_chart(_("Reminders"), [(_(step), value) for step, value in funnel.items()])),
        "alerts": Markup(
            charts.bar_chart(
                _("Alerts raised"), [(_(row["severity"].replace("_", " ")), row["raised"]) for row in report["alerts"]]
            )
        ),
        "series": Markup(
            charts.bar_chart(
                _("Series sessions"),
                [
                    (_("rebooked on time"), series["rebooked_on_time"]),
                    (_("window open"), series["window_open"]),
                    (_("missed"), series["missed"]),
                ],
            )
        ),
    }
