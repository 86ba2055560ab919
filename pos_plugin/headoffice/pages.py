"""The report pages: every report over a date range, two charts, and each report as CSV."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request

from pos_plugin import charts, csv_cells
from pos_plugin.headoffice import reports
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.receiver import engine, problem

DEFAULT_DAYS = 14
ON_PAGE = 200  # rows of a detail report the overview shows; its CSV has them all
MAX_DAYS = 366

bp = Blueprint("reports", __name__, template_folder="templates")


def _range() -> tuple[date, date] | Response:
    today = current_app.config["POS_PLUGIN_CLOCK"]().date()
    try:
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
        start = date.fromisoformat(
            request.args.get("from") or (end - timedelta(days=DEFAULT_DAYS)).isoformat()
        )
    except ValueError:
        return problem(400, "Bad date", "Use dates as YYYY-MM-DD in from= and to=.")
    if start > end or (end - start).days > MAX_DAYS:
        return problem(400, "Bad range", f"from must be before to, at most {MAX_DAYS} days apart.")
    return start, end


@bp.get("/")
def overview() -> Response | str:
    span = _range()
    if isinstance(span, Response):
        return span
    start, end = span
    with read_session(engine()) as session:
        found = [make(session, start, end) for make in reports.SUMMARIES.values()]
        found += [make(session, start, end, limit=ON_PAGE + 1) for make in reports.DETAILS.values()]
    stores, days = found[0], found[1]
    return render_template(
        "report.html",
        start=start,
        end=end,
        reports=found,
        on_page=ON_PAGE,
        store_chart=charts.bar_chart(
            "Comp value by store (minor units)",
            [f"{r[0]} {r[1]}" for r in stores.rows],
            [int(r[3] or 0) for r in stores.rows],
        ),
        day_chart=charts.bar_chart(
            "Comp value by day (minor units)",
            [f"{r[0]} {r[1]}" for r in days.rows],
            [int(r[3] or 0) for r in days.rows],
        ),
    )


@bp.get("/reports/<name>.csv")
def report_csv(name: str) -> Response:
    make = reports.REPORTS.get(name)
    if make is None:
        abort(404)
    span = _range()
    if isinstance(span, Response):
        return span
    with read_session(engine()) as session:
        report = make(session, *span)
    data, _ = csv_cells.to_bytes(report.columns, report.rows)
    filename = f"{name}_{span[0]}_{span[1]}.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
