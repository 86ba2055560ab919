"""The head office report pages: figures across stores, charts and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

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
