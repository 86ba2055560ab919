"""/manage/reports: each report over the last 7 or 30 days as a chart, a table and a CSV."""

from __future__ import annotations

from datetime import date

from flask import Response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin import charts
from pos_plugin.services import reports
from pos_plugin.services.shifts import UNSCHEDULED, shown_name
from pos_plugin.services.store import get_store
from pos_plugin.web import dates
from pos_plugin.web.manage.blueprint import bp, clock, manager, manager_page, money, page


def _chosen() -> reports.Report:
    name = request.args.get("report", "day")
    days = request.args.get("days", reports.PERIODS[0], type=int)
    return reports.report(manager(), get_store(), name, days, clock())


def _shown(report: reports.Report, label: str) -> str:
    """A row's label as a person reads it: a business day in the store's locale."""
    if report.name == "day":
        return dates.short_day(date.fromisoformat(label))
    return shown_name(label) if report.name == "shift" else label


@bp.get("/reports")
@manager_page
def reports_page() -> ResponseReturnValue:
    report = _chosen()
    labels = [_shown(report, row.label) for row in report.rows]
    chart = charts.bar_chart(
        _(
            "%(title)s: value, %(start)s to %(end)s",
            title=report.title,
            start=dates.day(report.start),
            end=dates.day(report.end),
        ),
        labels,
        [row.value for row in report.rows],
        fmt=money,
    )
    return page(
        "reports.html",
        report=report,
        chart=chart,
        labels=labels,
        names={name: title for name, (title, _, _) in reports.REPORTS.items()},
        periods=reports.PERIODS,
        unscheduled=UNSCHEDULED,
        unscheduled_name=shown_name(UNSCHEDULED),
    )


@bp.get("/reports.csv")
@manager_page
def report_csv() -> ResponseReturnValue:
    report = _chosen()
    return Response(
        report.csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{report.filename}"'},
    )
