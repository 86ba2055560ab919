"""The head office report pages: figures across stores, charts and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from pos_plugin.headoffice import reports
from pos_plugin.headoffice.database import read_session

from .conftest import DAY, comp_row, story_row


@pytest.fixture
def pages(viewer):
    return viewer


@pytest.fixture
def two_stores(register, make_set, ingest_one, tmp_path):
    north, south = register("cafe-north"), register("cafe-south")
    saturday = DAY - timedelta(days=1)
    outcomes = [
        ingest_one(
            make_set(north, [comp_row(note="=1+1"), comp_row(breakdown_title="Wrong drink")])
        ),
        ingest_one(
            make_set(
                south,
                [comp_row(saturday, value_amount=350, item_name="Birthday treat <b>")],
                day=saturday,
                folder=tmp_path / "south",
            )
        ),
    ]
    assert not any(o.refused for o in outcomes), outcomes


def test_the_overview_shows_each_store_day_item_and_breakdown_with_charts(pages, two_stores):
    page = pages.get("/").get_data(as_text=True)

    assert "<svg" in page
    assert "cafe-north" in page
    assert "cafe-south" in page
    assert "Wrong drink" in page
    assert "Birthday treat &lt;b&gt;" in page  # escaped, in the table and the chart
    assert "<b>" not in page.replace("<body>", "")


def test_a_report_downloads_as_csv_with_formula_cells_made_harmless(pages, two_stores):
    response = pages.get("/reports/stores.csv?from=2026-11-01&to=2026-11-30")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["store", "currency", "comps", "value", "voids"],
        ["cafe-north", "GBP", "2", "360", "0"],
        ["cafe-south", "GBP", "1", "350", "0"],
    ]


def test_a_bad_date_range_is_a_400_that_says_how_to_write_it(pages):
    response = pages.get("/?from=yesterday")

    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_json()["detail"]


def test_the_overview_shows_approvals_over_the_allowance_and_starred_stories(
    pages, register, make_set, ingest_one
):
    over = comp_row(item_name="Slice of cake", approved_by_id=3, approved_by_name="Manager Mo")
    birthday = comp_row(note="Happy birthday, Priya!")
    ingest_one(make_set(register(), [over, birthday], stories=[story_row(birthday)]))

    page = pages.get("/").get_data(as_text=True)
    approvals = page[page.index('id="approvals"') : page.index('id="stories"')]
    stories = page[page.index('id="stories"') :]

    assert "Slice of cake" in approvals
    assert "Manager Mo" in approvals
    assert "Happy birthday, Priya!" in stories
    assert "Priya" in stories
    rows = list(csv.reader(io.StringIO(pages.get("/reports/stories.csv").get_data(as_text=True))))
    assert rows[0] == [
        "store",
        "business day",
        "staff",
        "item",
        "customer",
        "note",
        "starred by",
        "at",
    ]
    assert rows[1][2:7] == ["Ana", "Free cookie", "Priya", "Happy birthday, Priya!", "Manager Mo"]


def test_every_summary_report_sums_what_the_latest_sequences_hold(
    pages, register, make_set, ingest_one, tmp_path
):
    keys = register()
    first = comp_row(staff_name="Ben", breakdown_title="Wrong drink")
    ingest_one(make_set(keys, [first, comp_row(value_amount=99)]))
    voided = {**first, "status": "voided", "voided_at": "2026-11-23T10:00:00+00:00"}
    later = [voided, comp_row(staff_name=None, item_name="Extra cream", value_amount=50)]
    ingest_one(make_set(keys, later, sequence=2, folder=tmp_path / "later"))

    def csv_of(name):
        text = pages.get(f"/reports/{name}.csv?from=2026-11-01&to=2026-11-30").get_data(True)
        return list(csv.reader(io.StringIO(text)))[1:]

    assert csv_of("stores") == [["cafe-001", "GBP", "1", "50", "1"]]
    assert csv_of("days") == [["2026-11-23", "GBP", "1", "50", "1"]]
    assert csv_of("items") == [
        ["Extra cream", "GBP", "1", "50", "0"],
        ["Free cookie", "GBP", "0", "0", "1"],
    ]
    assert csv_of("baristas") == [["", "GBP", "1", "50", "0"], ["Ben", "GBP", "0", "0", "1"]]
    assert csv_of("breakdowns") == [["Wrong drink", "GBP", "0", "0", "1"]]
    assert "Comps by barista" in pages.get("/").get_data(as_text=True)


def test_every_report_downloads_as_csv_with_the_rows_the_report_holds(pages, two_stores, ho_engine):
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    for name, make in reports.REPORTS.items():
        response = pages.get(f"/reports/{name}.csv?from={start}&to={end}")

        assert response.status_code == 200, name
        with read_session(ho_engine) as session:
            report = make(session, start, end)
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == list(report.columns), name
        assert len(rows) == 1 + len(report.rows), name
