"""Checking a file set on disk before head office's database is touched.

In order: the manifest's shape and version, its name against its content,
the store's registration and signature, each file's size and SHA-256, then
every CSV row (header, types, the set's own day), row counts and totals. Any
failure is a `Refused` naming the file and the reason. A set in the older
format version 1 (from a store not upgraded yet) is read with its own columns
and its rows given the newer ones empty: no approver, no stories. Text from the files
goes through `pos_plugin.text.scrub_text`, as all stored text read back does.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pos_plugin import json_limits
from pos_plugin.csv_cells import read_cell
from pos_plugin.sync import manifest, signing
from pos_plugin.sync.fileset import DATA_KINDS, SetName, parse_name, sha256_hex
from pos_plugin.text import scrub_text


class Refused(Exception):
    """This set cannot be ingested; `reason` says why, `path` is the file at fault."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class CheckedSet:
    name: SetName
    manifest_path: Path
    manifest_sha256: str
    exported_at: datetime
    format_version: int
    totals: dict[str, dict[str, int]]
    rows: dict[str, list[dict[str, Any]]]

    @property
    def paths(self) -> list[Path]:
        return [self.manifest_path.parent / n for n in self.name.all_files()]


def _text(multiline: bool = False) -> Callable[[str], str]:
    return lambda raw: scrub_text(raw, multiline=multiline)


def _whole(raw: str) -> int:
    if not re.fullmatch(r"-?\d{1,18}", raw):
        raise ValueError("not a whole number")
    return int(raw)


def _amount(raw: str) -> int:
    value = _whole(raw)
    if value < 0:
        raise ValueError("a negative amount")
    return value


def _currency(raw: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", raw):
        raise ValueError("not an ISO 4217 code")
    return raw


def _instant(raw: str) -> datetime:
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
        "created_at": (_instant, True),
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
        "voided_at": (_instant, False),
        "voided_by": (_text(), False),
        "void_reason": (_text(multiline=True), False),
    },
    "shifts": {
        "shift_id": (_whole, True),
        "business_date": (date.fromisoformat, True),
        "name": (_text(), True),
        "template_id": (_whole, False),
        "starts_at": (_instant, True),
        "ends_at": (_instant, True),
        "allowance_amount": (_amount, True),
        "currency": (_currency, True),
        "max_comps": (_whole, False),
        "max_comps_per_staff": (_whole, False),
        "used_amount": (_whole, True),
        "comps_count": (_whole, True),
        "overridden_at": (_instant, False),
        "overridden_by": (_text(), False),
    },
    "stories": {
        "comp_id": (uuid.UUID, True),
        "starred_at": (_instant, True),
        "starred_by": (_text(), False),
        "staff_id": (_whole, False),
        "staff_name": (_text(), False),
        "item_name": (_text(), True),
        "customer_name": (_text(), False),
        "note": (_text(multiline=True), False),
    },
}


def check_set(manifest_path: Path, public_key_of: Callable[[str], str | None]) -> CheckedSet:
    """Everything about the set that can be known without writing; `Refused` otherwise."""
    raw = _read_manifest(manifest_path)
    signed = _json(manifest_path, raw)
    body = signed.get("manifest")
    if not isinstance(body, dict) or not isinstance(signed.get("signature"), str):
        raise Refused(manifest_path, "unsigned: the manifest carries no signature")
    version = _version_of(manifest_path, body)
    name = _name_of(manifest_path, body)
    public = public_key_of(name.store_id)
    if public is None:
        raise Refused(
            manifest_path,
            f"unknown store {name.store_id!r}: register it with "
            "`pos-plugin headoffice add-store` and the line its `pos-plugin sync key` prints",
        )
    if not manifest.signature_holds(signed, signing.parse_public_key(public)):
        raise Refused(
            manifest_path,
            f"the signature does not verify with the key registered for {name.store_id} "
            f"(key {signing.key_id(public)}; the set names key {body.get('key_id')!r}): "
            "signed with another key, or changed after signing",
        )
    files = body.get("files")
    if not isinstance(files, dict) or set(files) != set(DATA_KINDS):
        raise Refused(manifest_path, f"the manifest must list the files {', '.join(DATA_KINDS)}")
    rows = {
        kind: _check_file(manifest_path.parent, name, version, kind, files[kind])
        for kind in DATA_KINDS
    }
    totals = body.get("totals")
    counted = manifest.TotalsBuilder.of(
        (r["currency"], r["value_amount"], r["status"] == "voided") for r in rows["comps"]
    )
    if totals != counted:
        raise Refused(
            manifest_path.parent / name.data_file("comps"),
            f"the comps add up to {counted}, not the manifest's totals {totals}",
        )
    try:
        exported_at = _instant(str(body.get("exported_at")))
    except ValueError:
        raise Refused(manifest_path, "exported_at is not an ISO 8601 time") from None
    return CheckedSet(
        name=name,
        manifest_path=manifest_path,
        manifest_sha256=sha256_hex(raw),
        exported_at=exported_at,
        format_version=version,
        totals=counted,
        rows=rows,
    )


def _read_manifest(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            raw = stream.read(manifest.MANIFEST_MAX_BYTES + 1)
    except OSError as error:
        raise Refused(path, f"cannot be read: {error.strerror or error}") from None
    if len(raw) > manifest.MANIFEST_MAX_BYTES:
        raise Refused(path, f"larger than {manifest.MANIFEST_MAX_BYTES} bytes: not a manifest")
    return raw


def _json(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        signed = json_limits.loads(raw)
    except json_limits.JSONLimitError as error:
        # Deep nesting would crash the reader; a key twice would let two readers disagree.
        raise Refused(path, f"not a manifest: its JSON {error}") from None
    except ValueError as error:  # not UTF-8, or not JSON
        raise Refused(path, f"not valid JSON (truncated or damaged?): {error}") from None
    if not isinstance(signed, dict):
        raise Refused(path, "not a manifest: expected a JSON object")
    return signed


def _version_of(path: Path, body: dict[str, Any]) -> int:
    if body.get("format") != manifest.FORMAT:
        raise Refused(path, f"not an {manifest.FORMAT} manifest")
    version = body.get("format_version")
    if type(version) is not int or version not in manifest.COLUMNS_BY_VERSION:
        readable = ", ".join(str(v) for v in manifest.COLUMNS_BY_VERSION)
        raise Refused(
            path,
            f"format version {version!r} is not one this head office reads ({readable}); "
            "upgrade head office first",
        )
    return version


def _name_of(path: Path, body: dict[str, Any]) -> SetName:
    parsed = parse_name(path.name)
    try:
        claimed = SetName(
            str(body["store_id"]),
            date.fromisoformat(str(body["business_date"])),
            int(body["sequence"]),
        )
    except (KeyError, ValueError, TypeError):
        raise Refused(
            path, "the manifest lacks a valid store_id, business_date or sequence"
        ) from None
    if parsed is None or parsed[0] != claimed or parsed[1] != "manifest.json":
        raise Refused(path, f"the file name does not match its content ({claimed.manifest})")
    return claimed


def _check_file(
    directory: Path, name: SetName, version: int, kind: str, entry: Any
) -> list[dict[str, Any]]:
    path = directory / name.data_file(kind)
    if not isinstance(entry, dict) or entry.get("name") != path.name:
        raise Refused(path, f"the manifest's {kind} entry does not name this file")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise Refused(path, "missing: the set is incomplete") from None
    if size != entry.get("bytes"):
        word = (
            "truncated"
            if isinstance(entry.get("bytes"), int) and size < entry["bytes"]
            else "changed"
        )
        raise Refused(path, f"{word}: {size} bytes, the manifest says {entry.get('bytes')}")
    data = path.read_bytes()
    if sha256_hex(data) != entry.get("sha256"):
        raise Refused(path, "tampered: its SHA-256 differs from the signed manifest's")
    rows = _parse_csv(path, version, kind, data, name.business_date)
    if len(rows) != entry.get("rows"):
        raise Refused(path, f"{len(rows)} rows, the manifest says {entry.get('rows')}")
    return rows


def _parse_csv(path: Path, version: int, kind: str, data: bytes, day: date) -> list[dict[str, Any]]:
    columns = manifest.COLUMNS_BY_VERSION[version][kind]
    # Version 1's stories columns were never written to (its stories file is a header only).
    unread = [column for column in columns if column not in SPECS[kind]]
    spec = {column: SPECS[kind][column] for column in columns if column not in unread}
    older = len(spec) < len(SPECS[kind])  # the newer columns are added, empty
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True)
        header = next(reader, None)
        if header is None or [read_cell(c) for c in header] != list(columns):
            raise Refused(path, f"the header is not the {kind} columns of format version {version}")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if unread:
                raise Refused(
                    path, f"line {number}: format version {version} has no {kind} rows to read"
                )
            row = _parse_row(path, spec, cells, number, day)
            rows.append({column: row.get(column) for column in SPECS[kind]} if older else row)
    except (UnicodeDecodeError, csv.Error) as error:
        raise Refused(path, f"not a valid UTF-8 CSV file: {error}") from None
    return rows


def _parse_row(
    path: Path, spec: dict[str, tuple[Parser, bool]], cells: list[str], number: int, day: date
) -> dict[str, Any]:
    if len(cells) != len(spec):
        raise Refused(path, f"line {number} has {len(cells)} cells, not {len(spec)}")
    row: dict[str, Any] = {}
    for (column, (parse, required)), cell in zip(spec.items(), cells, strict=True):
        raw = read_cell(cell)
        if raw == "":
            if required:
                raise Refused(path, f"line {number}: {column} is empty")
            row[column] = None
            continue
        try:
            row[column] = parse(raw)
        except ValueError as error:
            raise Refused(path, f"line {number}: {column} {raw[:40]!r} is {error}") from None
    if "business_date" in row and row["business_date"] != day:
        raise Refused(path, f"line {number}: business_date {row['business_date']} is not {day}")
    return row
