"""How each column of a set's CSV files is read at head office: its parser, whether it
may be empty, and the same parser for a whole column at once.

Text goes through `pos_plugin.text.scrub_text`, as all stored text read back does.
Each parser raises `ValueError` with a few words that finish "<column> '<cell>' is ...".

A column parser takes a column's non-empty cells as the file has them (the CSV
guard's apostrophe still on) and gives exactly what the parser gives for each
cell the guard taken off, or None when it cannot vouch for every cell: one the
parser refuses, or merely one it leaves to the cell-by-cell reading (a guarded
number, say), which then says which cell and why. Its checks are loops that run
in C (`map` over a regex or a C constructor), so a set's rows are typed a column
at a time, several times faster than a Python call per cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from operator import attrgetter
from typing import Any

from pos_plugin.csv_cells import read_cell
from pos_plugin.text import scrub_text


def _text(multiline: bool = False) -> Callable[[str], str]:
    return partial(scrub_text, multiline=multiline)  # one call a cell, not two


_WHOLE = re.compile(r"-?\d{1,18}")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _whole(raw: str) -> int:
    if not _WHOLE.fullmatch(raw):
        raise ValueError("not a whole number")
    return int(raw)


def _amount(raw: str) -> int:
    value = _whole(raw)
    if value < 0:
        raise ValueError("a negative amount")
    return value


def _currency(raw: str) -> str:
    if not _CURRENCY.fullmatch(raw):
        raise ValueError("not an ISO 4217 code")
    return raw


def instant(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("a time without its UTC offset")
    return value


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _uuid(raw: str) -> str:
    """A UUID as a store writes it (`str(uuid)`), kept as its lower-case text: a set's rows
    stay plain values until written (`load` makes the UUID), so a batch of them held in
    memory gives Python's garbage collector nothing to follow (about a tenth of a run, measured)."""
    if not _UUID.fullmatch(raw):
        raise ValueError("not a UUID")
    return raw.lower()


def _status(raw: str) -> str:
    if raw not in ("active", "voided"):
        raise ValueError("not active or voided")
    return raw


Parser = Callable[[str], Any]
ColumnParser = Callable[[Sequence[str]], list[Any] | None]


def _each(parse: Parser) -> ColumnParser:
    """`parse` mapped over a column (C loops when `parse` is C, as date.fromisoformat is)."""

    def column(cells: Sequence[str]) -> list[Any] | None:
        try:
            return list(map(parse, cells))
        except ValueError:
            return None

    return column


def _whole_column(cells: Sequence[str]) -> list[Any] | None:
    return list(map(int, cells)) if all(map(_WHOLE.fullmatch, cells)) else None


def _amount_column(cells: Sequence[str]) -> list[Any] | None:
    values = _whole_column(cells)
    return None if values is None or (values and min(values) < 0) else values


def _currency_column(cells: Sequence[str]) -> list[Any] | None:
    return list(cells) if all(map(_CURRENCY.fullmatch, cells)) else None


_STATUSES = frozenset(("active", "voided"))


def _uuid_column(cells: Sequence[str]) -> list[Any] | None:
    return list(map(str.lower, cells)) if all(map(_UUID.fullmatch, cells)) else None


def _status_column(cells: Sequence[str]) -> list[Any] | None:
    return list(cells) if _STATUSES.issuperset(cells) else None


_TZINFO = attrgetter("tzinfo")


def _instant_column(cells: Sequence[str]) -> list[Any] | None:
    try:
        values = list(map(datetime.fromisoformat, cells))
    except ValueError:
        return None
    return None if any(tz is None for tz in map(_TZINFO, values)) else values


# Printable ASCII, neither starting with the CSV guard's apostrophe or a space nor ending
# with one: text `scrub_text` keeps as it is (nothing refused, no line break, NFC, nothing
# to trim, not empty-looking) and the guard does not change.
_PLAIN = re.compile(r"[!-&(-~](?:[ -~]*[!-~])?")
_PLAIN_READ = re.compile(r"[!-~](?:[ -~]*[!-~])?")  # the same once the guard is off


def _text_column(multiline: bool = False) -> ColumnParser:
    scrub = _text(multiline)

    def column(cells: Sequence[str]) -> list[Any] | None:
        if all(map(_PLAIN.fullmatch, cells)):
            return list(cells)
        read = list(map(read_cell, cells))
        if all(map(_PLAIN_READ.fullmatch, read)):
            return read
        return None if "" in read else list(map(scrub, read))  # "'" alone reads as empty

    return column


@dataclass(frozen=True)
class Cell:
    """A type of cell: the parser of one, and of a whole column of them."""

    parse: Parser
    column: ColumnParser


UUID = Cell(_uuid, _uuid_column)
DATE = Cell(date.fromisoformat, _each(date.fromisoformat))
INSTANT = Cell(instant, _instant_column)
WHOLE = Cell(_whole, _whole_column)
AMOUNT = Cell(_amount, _amount_column)
CURRENCY = Cell(_currency, _currency_column)
STATUS = Cell(_status, _status_column)
TEXT = Cell(_text(), _text_column())
LINES = Cell(_text(multiline=True), _text_column(multiline=True))  # text that may break lines

# column -> (its cell, required), for every column of any readable version
# (`manifest.COLUMNS`).
SPECS: dict[str, dict[str, tuple[Cell, bool]]] = {
    "comps": {
        "comp_id": (UUID, True),
        "business_date": (DATE, True),
        "status": (STATUS, True),
        "created_at": (INSTANT, True),
        "item_id": (WHOLE, True),
        "item_name": (TEXT, True),
        "value_amount": (AMOUNT, True),
        "currency": (CURRENCY, True),
        "staff_id": (WHOLE, False),
        "staff_name": (TEXT, False),
        "approved_by_id": (WHOLE, False),
        "approved_by_name": (TEXT, False),
        "shift_id": (WHOLE, True),
        "created_by": (TEXT, True),
        "order_ref": (TEXT, False),
        "breakdown_id": (WHOLE, False),
        "breakdown_title": (TEXT, False),
        "reason": (LINES, False),
        "note": (LINES, False),
        "voided_at": (INSTANT, False),
        "voided_by": (TEXT, False),
        "void_reason": (LINES, False),
    },
    "shifts": {
        "shift_id": (WHOLE, True),
        "business_date": (DATE, True),
        "name": (TEXT, True),
        "template_id": (WHOLE, False),
        "starts_at": (INSTANT, True),
        "ends_at": (INSTANT, True),
        "allowance_amount": (AMOUNT, True),
        "currency": (CURRENCY, True),
        "max_comps": (WHOLE, False),
        "max_comps_per_staff": (WHOLE, False),
        "used_amount": (WHOLE, True),
        "comps_count": (WHOLE, True),
        "overridden_at": (INSTANT, False),
        "overridden_by": (TEXT, False),
    },
    "stories": {
        "comp_id": (UUID, True),
        "starred_at": (INSTANT, True),
        "starred_by": (TEXT, False),
        "staff_id": (WHOLE, False),
        "staff_name": (TEXT, False),
        "item_name": (TEXT, True),
        "customer_name": (TEXT, False),
        "note": (LINES, False),
    },
}
# What each row read from a set holds, in order: every column of the newest version.
ROW_COLUMNS = {kind: tuple(spec) for kind, spec in SPECS.items()}
