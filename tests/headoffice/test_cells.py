"""A column read at once gives exactly what reading its cells one by one gives, or None
(read them one by one, then), and always None where any of them is refused: ingest
relies on it to type a set's rows a column at a time."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_plugin.csv_cells import read_cell
from pos_plugin.headoffice import cells

CELLS = {name: value for name, value in vars(cells).items() if isinstance(value, cells.Cell)}
# Cells near what each parser accepts, and near what it refuses.
LIKELY = [
    "0",
    "12",
    "-7",
    "+7",
    "007",
    "1" * 19,
    "\uff11\uff12",  # digits int() reads, of another script
    "1.5",
    " 3",
    "3 ",
    "EUR",
    "eur",
    "EU",
    "GBP",
    "active",
    "voided",
    "Active",
    "2026-10-01",
    "2026-13-01",
    "2026-10-01T07:00:00+00:00",
    "2026-10-01T07:00:00",
    "2026-10-01 07:00:00+01:00",
    "2026-10-01T07:00:00Z",
    "80ac107b-eb39-410f-a066-300a2d6ce72b",
    "{80ac107b-eb39-410f-a066-300a2d6ce72b}",
    "80ac107beb39410fa066300a2d6ce72b",
    "not-a-uuid",
    "Free cookie",
    "'=Happy birthday!",
    "'",
    "''x",
    "'-5",
    "'2026-10-01",
    " Free cookie",
    "Free cookie ",
    "=Happy birthday!",
    "Café",
    "a\nb",
    "a\r\nb",
    "\u200b",
    "x\u202ey",
    "e\u0301",
    "~",
    "a\tb",
    "\x7f",
]
column_cells = st.lists(
    st.one_of(st.sampled_from(LIKELY), st.text(min_size=1, max_size=12)), min_size=1
)


def one_by_one(cell: cells.Cell, found: list[str]) -> list[Any] | None:
    """As `verify` reads a row: the CSV guard off, an empty cell none of the parser's."""
    try:
        return [cell.parse(read_cell(value)) if read_cell(value) else None for value in found]
    except ValueError:
        return None


@pytest.mark.parametrize("name", sorted(CELLS))
@settings(max_examples=300, deadline=None)
@given(found=column_cells)
def test_a_column_reads_as_its_cells_do(name: str, found: list[str]) -> None:
    cell = CELLS[name]
    read = one_by_one(cell, found)
    at_once = cell.column(found)
    if read is None or None in read:  # a cell refused, or a guard alone: read one by one
        assert at_once is None
    else:
        assert at_once in (None, read)


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("UUID", ["80ac107b-eb39-410f-a066-300a2d6ce72b"]),
        ("DATE", ["2026-10-01"]),
        ("INSTANT", ["2026-10-01T07:00:00+00:00"]),
        ("WHOLE", ["0", "12"]),
        ("AMOUNT", ["180"]),
        ("CURRENCY", ["EUR"]),
        ("STATUS", ["active", "voided"]),
        ("TEXT", ["Free cookie", "'=Happy birthday!", "Café"]),
        ("LINES", ["Just this once, with a wink.", "first\nsecond"]),
    ],
)
def test_what_a_store_writes_is_read_a_column_at_a_time(name: str, found: list[str]) -> None:
    assert CELLS[name].column(found) == one_by_one(CELLS[name], found)


def test_every_cell_type_is_checked() -> None:
    assert {
        "UUID",
        "DATE",
        "INSTANT",
        "WHOLE",
        "AMOUNT",
        "CURRENCY",
        "STATUS",
        "TEXT",
        "LINES",
    } <= set(CELLS)
