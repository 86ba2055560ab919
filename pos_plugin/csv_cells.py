"""CSV cells that no spreadsheet mistakes for a formula: the one writer every CSV file uses.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run
as a formula when head office opens the file in a spreadsheet (CSV injection),
so it is written with a leading apostrophe. A cell that already starts with
an apostrophe gets one more, which keeps the rule reversible: `read_cell`
takes exactly one off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def read_cell(text: str) -> str:
    """The value `safe_cell` was given (as text)."""
    return text[1:] if text.startswith("'") else text


def write_rows(stream: Any, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write a header and rows (RFC 4180, CRLF); returns the number of data rows."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return count


def to_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> tuple[bytes, int]:
    """A whole CSV file as UTF-8 bytes, and its number of data rows."""
    buffer = io.StringIO()
    count = write_rows(buffer, header, rows)
    return buffer.getvalue().encode("utf-8"), count
