"""Checking a file set at head office: its manifest first, then each CSV file as it streams.

`read_manifest` checks the manifest's shape and version and its name against its
content; `check_signature` checks it against the key registered for the store;
`check_files` that every file is there with the size the manifest says. `rows`
then reads one CSV file once, front to back: it hashes the bytes as they pass,
yields each row typed (header, types, the set's own day checked), and only at the
end of the file knows it whole, so it raises there when the SHA-256, the row
count or (for comps) the totals differ from the signed manifest. The caller loads
the rows inside a transaction that any `Refused` rolls back: nothing of a set that
fails late is kept, and no file is ever held in memory whole.

A set in the older format version 1 (from a store not upgraded yet) is read with
its own columns and its rows given the newer ones empty: no approver, no stories.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from pos_plugin import json_limits
from pos_plugin.csv_cells import read_cell
from pos_plugin.headoffice.cells import ROW_COLUMNS, SPECS, Cell, instant
from pos_plugin.sync import manifest, signing
from pos_plugin.sync.fileset import DATA_KINDS, SetName, parse_name, sha256_hex

CHUNK = 256 * 1024  # bytes read (and hashed) at a time: memory stays flat whatever the file


class Refused(Exception):
    """This set cannot be ingested; `reason` says why, `path` is the file at fault."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SignedManifest:
    """A manifest of the right shape, not yet trusted: `check_signature` decides that."""

    name: SetName
    manifest_path: Path
    manifest_sha256: str
    format_version: int
    exported_at: datetime
    signed: dict[str, Any]

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.signed["manifest"]
        return body

    @property
    def totals(self) -> Any:
        return self.body.get("totals")

    def path_of(self, kind: str) -> Path:
        return self.manifest_path.parent / self.name.data_file(kind)


def read_manifest(path: Path) -> SignedManifest:
    """The manifest's shape, format version and name; `Refused` otherwise."""
    raw = _read_manifest(path)
    signed = _json(path, raw)
    body = signed.get("manifest")
    if not isinstance(body, dict) or not isinstance(signed.get("signature"), str):
        raise Refused(path, "unsigned: the manifest carries no signature")
    version = _version_of(path, body)
    name = _name_of(path, body)
    try:
        exported_at = instant(str(body.get("exported_at")))
    except ValueError:
        raise Refused(path, "exported_at is not an ISO 8601 time") from None
    return SignedManifest(name, path, sha256_hex(raw), version, exported_at, signed)


def check_signature(signed: SignedManifest, public: str | None) -> None:
    """`public` is the key registered for the set's store (None: not registered)."""
    store_id, path = signed.name.store_id, signed.manifest_path
    if public is None:
        raise Refused(
            path,
            f"unknown store {store_id!r}: register it with "
            "`pos-plugin headoffice add-store` and the line its `pos-plugin sync key` prints",
        )
    if not manifest.signature_holds(signed.signed, signing.parse_public_key(public)):
        raise Refused(
            path,
            f"the signature does not verify with the key registered for {store_id} "
            f"(key {signing.key_id(public)}; the set names key {signed.body.get('key_id')!r}): "
            "signed with another key, or changed after signing",
        )


def check_files(signed: SignedManifest) -> None:
    """Every file of the set is there, named and sized as the manifest says."""
    files = signed.body.get("files")
    if not isinstance(files, dict) or set(files) != set(DATA_KINDS):
        raise Refused(
            signed.manifest_path, f"the manifest must list the files {', '.join(DATA_KINDS)}"
        )
    for kind in DATA_KINDS:
        path, entry = signed.path_of(kind), files[kind]
        if not isinstance(entry, dict) or entry.get("name") != path.name:
            raise Refused(path, f"the manifest's {kind} entry does not name this file")
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise Refused(path, "missing: the set is incomplete") from None
        stated = entry.get("bytes")
        if size != stated:
            word = "truncated" if isinstance(stated, int) and size < stated else "changed"
            raise Refused(path, f"{word}: {size} bytes, the manifest says {stated}")


def declared_bytes(signed: SignedManifest) -> int:
    """The bytes the manifest says its data files hold: what reading the set whole takes
    (`check_files` holds the files to it before any is read)."""
    files = signed.body.get("files")
    entries = files.values() if isinstance(files, dict) else ()
    sizes = (entry.get("bytes") for entry in entries if isinstance(entry, dict))
    return sum(size for size in sizes if type(size) is int and size > 0)


class _HashingReader(io.RawIOBase):
    """The file's bytes as they are read, each counted and hashed once."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        self.digest.update(memoryview(buffer)[:count])
        self.size += count
        return count

    def drain(self) -> None:
        """Hash what has not been read yet (after a row broke off the reading)."""
        buffer = bytearray(CHUNK)
        while self.readinto(buffer):
            pass


def rows(signed: SignedManifest, kind: str) -> Iterator[tuple[Any, ...]]:
    """Each row of the set's `kind` file, typed, in `ROW_COLUMNS[kind]` order; `Refused` at
    the first bad row, or at the end when the file is not exactly what the manifest signed."""
    path = signed.path_of(kind)
    entry = signed.body["files"][kind]
    try:
        stream = path.open("rb")
    except OSError as error:
        raise Refused(path, f"cannot be read: {error.strerror or error}") from None
    with stream:
        hashing = _HashingReader(stream)
        text = io.TextIOWrapper(io.BufferedReader(hashing, CHUNK), encoding="utf-8", newline="")
        totals = manifest.TotalsBuilder()
        count = 0
        failure: Refused | None = None
        try:
            for row in _parse(path, signed.format_version, kind, text, signed.name.business_date):
                if kind == "comps":
                    totals.add(row[_CURRENCY], row[_VALUE], row[_STATUS] == "voided")
                count += 1
                yield row
        except (UnicodeDecodeError, csv.Error) as error:
            failure = Refused(path, f"not a valid UTF-8 CSV file: {error}")
        except Refused as refusal:
            failure = refusal
        # A file changed after signing is "tampered", whatever part of it broke first.
        hashing.drain()
        if hashing.size != entry.get("bytes") or hashing.digest.hexdigest() != entry.get("sha256"):
            raise Refused(path, "tampered: its SHA-256 differs from the signed manifest's")
        if failure is not None:
            raise failure
    if count != entry.get("rows"):
        raise Refused(path, f"{count} rows, the manifest says {entry.get('rows')}")
    if kind == "comps" and totals.totals != signed.totals:
        raise Refused(
            path, f"the comps add up to {totals.totals}, not the manifest's totals {signed.totals}"
        )


_COMPS = ROW_COLUMNS["comps"]
_CURRENCY, _VALUE, _STATUS = (_COMPS.index(c) for c in ("currency", "value_amount", "status"))


CHUNK_ROWS = 500  # rows typed at a time, a column at a time


def _parse(
    path: Path, version: int, kind: str, text: io.TextIOWrapper, day: date
) -> Iterator[tuple[Any, ...]]:
    columns = manifest.COLUMNS_BY_VERSION[version][kind]
    # Version 1's stories columns were never written to (its stories file is a header only).
    unread = [column for column in columns if column not in SPECS[kind]]
    spec = [(column, *SPECS[kind][column]) for column in columns if column not in unread]
    older = len(spec) < len(SPECS[kind])  # the newer columns are added, empty
    dated = columns.index("business_date") if "business_date" in columns else None
    reader = csv.reader(text, strict=True)
    header = next(reader, None)
    if header is None or [read_cell(c) for c in header] != list(columns):
        raise Refused(path, f"the header is not the {kind} columns of format version {version}")
    first = 2  # the line number of the chunk's first row, as a person counts rows
    while chunk := list(islice(reader, CHUNK_ROWS)):
        if unread:
            raise Refused(
                path, f"line {first}: format version {version} has no {kind} rows to read"
            )
        typed = _by_columns(spec, chunk)
        if typed is not None and (dated is None or set(typed[dated]) == {day}):
            rows = list(zip(*typed, strict=True))
        else:  # something is off: read it row by row, which says where and what
            rows = []
            for number, cells in enumerate(chunk, start=first):
                row = _parse_row(path, spec, cells, number)
                if dated is not None and row[dated] != day:
                    raise Refused(path, f"line {number}: business_date {row[dated]} is not {day}")
                rows.append(row)
        first += len(chunk)
        if older:
            names = [column for column, _, _ in spec]
            rows = [
                tuple(dict(zip(names, row, strict=True)).get(c) for c in ROW_COLUMNS[kind])
                for row in rows
            ]
        yield from rows


def _by_columns(
    spec: list[tuple[str, Cell, bool]], chunk: list[list[str]]
) -> list[list[Any]] | None:
    """The chunk's columns typed as `_parse_row` types their cells, or None when a column
    parser cannot vouch for one of them."""
    if set(map(len, chunk)) != {len(spec)}:
        return None
    typed: list[list[Any]] = []
    for (_, cell, required), cells in zip(spec, zip(*chunk, strict=True), strict=True):
        if "" not in cells:
            values = cell.column(cells)
        elif required:
            return None
        elif not any(cells):
            values = [None] * len(cells)
        else:
            present = cell.column([c for c in cells if c])
            if present is None:
                return None
            given = iter(present)
            values = [next(given) if c else None for c in cells]
        if values is None:
            return None
        typed.append(values)
    return typed


def _parse_row(
    path: Path, spec: list[tuple[str, Cell, bool]], cells: list[str], number: int
) -> tuple[Any, ...]:
    if len(cells) != len(spec):
        raise Refused(path, f"line {number} has {len(cells)} cells, not {len(spec)}")
    values: list[Any] = []
    for (column, cell, required), found in zip(spec, cells, strict=True):
        raw = read_cell(found)
        if not raw:
            if required:
                raise Refused(path, f"line {number}: {column} is empty")
            values.append(None)
            continue
        try:
            values.append(cell.parse(raw))
        except ValueError as error:
            raise Refused(path, f"line {number}: {column} {raw[:40]!r} is {error}") from None
    return tuple(values)


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
