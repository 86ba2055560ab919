"""How each column of a set's CSV files is read at head office: its parser, and whether it
may be empty.

Text goes through `pos_plugin.text.scrub_text`, as all stored text read back does.
Each parser raises `ValueError` with a few words that finish "<column> '<cell>' is ...".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

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


def _status(raw: str) -> str:
    if raw not in ("active", "voided"):
        raise ValueError("not active or voided")
    return raw


Parser = Callable[[str], Any]
# column -> (parser, required), for every column of any readable version (`manifest.COLUMNS`).
SPECS: dict[str, dict[str, tuple[Parser, bool]]] = {
    "comps": {
        "comp_id": (uuid.UUID, True),
        "business_date": (date.fromisoformat, True),
        "status": (_status, True),
        "created_at": (instant, True),
        "item_id": (_whole, True),
        "item_name": (_text(), True),
        "value_amount": (_amount, True),
        "currency": (_currency, True),
        "staff_id": (_whole, False),
        "staff_name": (_text(), False),
        "approved_by_id": (_whole, False),
        "approved_by_name": (_text(), False),
        "shift_id": (_whole, True),
        "created_by": (_text(), True),
        "order_ref": (_text(), False),
        "breakdown_id": (_whole, False),
        "breakdown_title": (_text(), False),
        "reason": (_text(multiline=True), False),
        "note": (_text(multiline=True), False),
        "voided_at": (instant, False),
        "voided_by": (_text(), False),
        "void_reason": (_text(multiline=True), False),
    },
    "shifts": {
        "shift_id": (_whole, True),
        "business_date": (date.fromisoformat, True),
        "name": (_text(), True),
        "template_id": (_whole, False),
        "starts_at": (instant, True),
        "ends_at": (instant, True),
        "allowance_amount": (_amount, True),
        "currency": (_currency, True),
        "max_comps": (_whole, False),
        "max_comps_per_staff": (_whole, False),
        "used_amount": (_whole, True),
        "comps_count": (_whole, True),
        "overridden_at": (instant, False),
        "overridden_by": (_text(), False),
    },
    "stories": {
        "comp_id": (uuid.UUID, True),
        "starred_at": (instant, True),
        "starred_by": (_text(), False),
        "staff_id": (_whole, False),
        "staff_name": (_text(), False),
        "item_name": (_text(), True),
        "customer_name": (_text(), False),
        "note": (_text(multiline=True), False),
    },
}
# What each row read from a set holds, in order: every column of the newest version.
ROW_COLUMNS = {kind: tuple(spec) for kind, spec in SPECS.items()}
