"""/manage/reports: each report over the last 7 or 30 days as a chart, a table and a CSV."""

from __future__ import annotations

from flask import Response, request
from flask.typing import ResponseReturnValue

from pos_plugin import charts
from pos_plugin.services import reports
from pos_plugin.services.shifts import UNSCHEDULED
from pos_plugin.services.store import get_store
from pos_plugin.web.manage.blueprint import bp, clock, manager, manager_page, money, page


def _chosen() -> reports.Report:
    name = request.args.get("report", "day")
    days = request.args.get("days", reports.PERIODS[0], type=int)
    return reports.report(manager(), get_store(), name, days, clock())


@bp.get("/reports")
@manager_page
def reports_page() -> ResponseReturnValue:
    report = _chosen()
    chart = charts.bar_chart(
        f"{report.title}: value, {report.start} to {report.end}",
        [row.label for row in report.rows],
        [row.value for row in report.rows],
        fmt=money,
    )
    return page(
        "reports.html",
        report=report,
        chart=chart,
        names={name: title for name, (title, _, _) in reports.REPORTS.items()},
        periods=reports.PERIODS,
        unscheduled=UNSCHEDULED,
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
