"""`pos-plugin export-data`: every table the store holds as a CSV file, for its owner.

The tables come from the models' metadata, so a new table is exported without
a change here. Columns that hold secrets (`SECRETS`) are left out; columns
whose names only look like secrets are listed in `NOT_SECRETS`, and a test
holds every new look-alike to one list or the other. Rows are streamed from
one read snapshot, never a whole table in memory. The folder is built under a
`.partial` name and renamed when whole, so a folder with the final name is a
complete export.

Anonymised (for a third party), what a customer told staff and what staff
wrote in their own words is blank (`FREE_TEXT`, and those keys in the audit
log's data), and each staff member's name becomes `staff-<id>` wherever it
appears (staff rows, "created by" labels, token names, the audit log).
"""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Table, select

from pos_plugin import csv_cells
from pos_plugin.database import Base, db
from pos_plugin.models import Staff, Store
from pos_plugin.services.actors import Actor, Permission

# Left out of every export: whoever holds them could sign in, pass as a tablet, or sign
# webhook deliveries as the store.
SECRETS = frozenset(
    {
        ("webhook_endpoint", "secret"),
        ("staff", "pin_hash"),
        ("staff", "password_hash"),
        ("api_token", "token_hash"),
        ("device", "token_hash"),
        ("staff_session", "token_hash"),
    }
)
# Names that look like secrets but are not: exported.
NOT_SECRETS = frozenset(
    {
        ("comp", "created_by_token_id"),  # which token gave the comp: an id, not the token
        ("idempotency_key", "key"),  # the till's Idempotency-Key: grants nothing without a token
        ("idempotency_key", "request_hash"),  # a digest of a tap's body, to spot a reused key
    }
)
# Blanked when anonymised: text typed in people's own words, which may name anyone.
FREE_TEXT = frozenset(
    {
        ("comp", "customer_name"),
        ("comp", "note"),
        ("comp", "reason"),
        ("comp", "void_reason"),
        ("shift", "override_reason"),
        ("webhook_delivery", "body"),  # a comp as the API shows it, its customer's name too
    }
)
_FREE_TEXT_KEYS = frozenset(column for _, column in FREE_TEXT)
_ROWS_PER_FETCH = 1000
# What anonymising does to one cell: (table, column) and the value in, the value out.
Cleaner = Callable[[tuple[str, str], Any], Any]


class ExportFailed(Exception):
    """The export could not be written; the message says why in one line. Only the CLI
    exports, so this is no API problem type."""


@dataclass(frozen=True)
class ExportedFile:
    name: str
    rows: int
    left_out: tuple[str, ...]


@dataclass(frozen=True)
class DataExport:
    folder: Path
    files: list[ExportedFile]


def folder_name(store: Store, now: datetime) -> str:
    return f"export-{store.id}-{now:%Y%m%dT%H%M%SZ}"


def export_data(
    actor: Actor, store: Store, parent: Path, now: datetime, *, anonymise: bool = False
) -> DataExport:
    """Write the export into a new folder in `parent` (made if missing); what it wrote."""
    actor.require(Permission.MANAGE)
    folder = parent / folder_name(store, now)
    partial = parent / f".{folder.name}.partial"
    if parent.exists() and not parent.is_dir():
        raise ExportFailed(f"{parent} is a file, not a folder.")
    if folder.exists() or partial.exists():
        raise ExportFailed(f"{folder} already exists; try again in a second.")
    try:
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial.mkdir(mode=0o700)
    except OSError as error:
        raise ExportFailed(f"Cannot write to {parent}: {error.strerror}.") from None
    try:
        files = _write_tables(partial, anonymise)
        _write(partial / "README.txt", _readme(store, now, files, anonymise))
        partial.rename(folder)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)  # a database error too: no half export stays
        if isinstance(error, OSError):
            raise ExportFailed(f"Cannot write the export in {parent}: {error.strerror}.") from None
        raise
    return DataExport(folder=folder, files=files)


def _write_tables(folder: Path, anonymise: bool) -> list[ExportedFile]:
    written = []
    # One transaction for every table: a consistent picture of the store.
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            clean = _cleaner(conn) if anonymise else None
            for table in Base.metadata.sorted_tables:
                name = f"{table.name}.csv"
                with _open(folder / name) as stream:
                    written.append(_write_table(conn, table, stream, clean))
    return written


def _write_table(
    conn: Connection, table: Table, stream: TextIO, clean: Cleaner | None
) -> ExportedFile:
    columns = [c for c in table.columns if (table.name, c.name) not in SECRETS]
    left_out = tuple(c.name for c in table.columns if c not in columns)
    query = select(*columns).order_by(*table.primary_key.columns)
    result = conn.execute(query.execution_options(yield_per=_ROWS_PER_FETCH))
    keys = [(table.name, c.name) for c in columns]
    rows = (
        [
            _cell(value if clean is None else clean(key, value))
            for key, value in zip(keys, row, strict=True)
        ]
        for row in result
    )
    count = csv_cells.write_rows(stream, [c.name for c in columns], rows)
    return ExportedFile(f"{table.name}.csv", count, left_out)


def _cleaner(conn: Connection) -> Cleaner:
    names: dict[str, int] = dict(conn.execute(select(Staff.name, Staff.id)).all())
    pattern = _names_pattern(list(names))
    ids = {name.lower(): staff_id for name, staff_id in names.items()}

    def pseudonym(found: re.Match[str]) -> str:
        return f"staff-{ids.get(found.group(0).lower(), '?')}"

    def replace(value: Any) -> Any:
        if isinstance(value, str) and pattern is not None:
            return pattern.sub(pseudonym, value)
        if isinstance(value, dict):
            return {k: None if k in _FREE_TEXT_KEYS else replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v) for v in value]
        return value

    def clean(key: tuple[str, str], value: Any) -> Any:
        if value is None or key in FREE_TEXT:
            return None
        return replace(value)

    return clean


def _names_pattern(names: list[str]) -> re.Pattern[str] | None:
    """Any of the names as a whole word, any case; longer names first ("Ann Lee" before "Ann")."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def rows_text(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _open(path: Path) -> TextIO:
    """A new file only the owner may read (0600), for CSV text in UTF-8."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _write(path: Path, text: str) -> None:
    with _open(path) as stream:
        stream.write(text)


def _readme(store: Store, now: datetime, files: list[ExportedFile], anonymise: bool) -> str:
    local = now.astimezone(store.zone)
    lines = [
        f"Data export of {store.name} [{store.id}]",
        f"Taken at {now.isoformat()} (UTC), {local:%Y-%m-%d %H:%M} {store.timezone}.",
        "",
        "One CSV file per table: UTF-8, comma-separated, a header row of column names.",
        "Tables are listed so that each comes after the tables its ids refer to.",
        "Times are UTC (ISO 8601). Columns ending in _amount are whole minor units of the",
        "row's currency column (250 with EUR is 2.50 EUR), never fractions.",
        "A cell that would start with = + - @ or ' starts with one more ' so no spreadsheet",
        "runs it as a formula; take that one ' off to get the stored text.",
        "",
    ]
    if anonymise:
        lines += [
            "Anonymised: customer names, notes, reasons and other free text are blank;",
            "each staff member's name is staff-<id> wherever it appears (a word that",
            "happens to equal a staff name is replaced too).",
            "",
        ]
    lines.append("Files:")
    width = max(len(f.name) for f in files)
    for file in files:
        also = f"  (left out: {', '.join(file.left_out)})" if file.left_out else ""
        lines.append(f"  {file.name:<{width}}  {rows_text(file.rows):>13}{also}")
    lines += [
        "",
        "Left out of every file: PIN and password hashes and the hashes of API, tablet",
        "and session tokens. They are secrets: with them, a person could sign in.",
        "The store's sync signing key (a file, not a table) is not part of the export.",
        "",
    ]
    return "\n".join(lines)
