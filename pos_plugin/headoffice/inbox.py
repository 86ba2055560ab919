"""Head office's inbox of uploads: files waiting for their manifest, the quota on them, clean-up.

Each store has a folder `inbox/<store>/`. A data file waits there until its
set's manifest arrives; the manifest then waits for the ingest worker, which
leaves the set's outcome in `outcomes/` for the store to ask about. Files
waiting without their manifest count against the store's quota; those waiting
longer than a day, and the `.part` files of uploads that broke off, are removed
by `sweep` (the worker's rounds and `headoffice ingest` both run it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pos_plugin.sync.fileset import parse_name, write_atomic

MANIFEST_KIND = "manifest.json"
OUTCOMES = "outcomes"
WAITING_AT_MOST = timedelta(days=1)
KEEP_OUTCOMES = timedelta(days=14)


@dataclass(frozen=True)
class Waiting:
    files: int
    bytes: int


@dataclass(frozen=True)
class SetOutcome:
    """What became of a set the worker took: `status` as `ingest` says it, and its words."""

    status: str
    detail: str


class OverQuota(Exception):
    """Taking this file would leave more waiting without a manifest than a store may."""

    def __init__(self, waiting: Waiting) -> None:
        super().__init__(f"{waiting.files} files, {waiting.bytes} bytes")
        self.waiting = waiting


def _files(folder: Path) -> Iterator[Path]:
    try:
        yield from (path for path in folder.iterdir() if path.is_file())
    except FileNotFoundError:
        return


def _is_waiting(folder: Path, name: str) -> bool:
    """A data file of a set whose manifest is not (yet) beside it."""
    parsed = parse_name(name)
    return (
        parsed is not None
        and parsed[1] != MANIFEST_KIND
        and not (folder / parsed[0].manifest).exists()
    )


def _is_temporary(name: str) -> bool:
    """A file still being written, by this receiver or by a store's SFTP or folder copy."""
    return name.startswith(".") and name.endswith(".part")


def waiting(folder: Path, besides: str | None = None) -> Waiting:
    """The data files in `folder` whose manifest has not come, leaving out `besides`."""
    files = size = 0
    for path in _files(folder):
        if path.name == besides or not _is_waiting(folder, path.name):
            continue
        try:
            size += path.stat().st_size
        except FileNotFoundError:
            continue
        files += 1
    return Waiting(files, size)


def sweep(folder: Path, now: datetime) -> list[str]:
    """Remove what waited in `folder` for over a day: data files without their manifest and
    `.part` files of broken uploads; and outcomes older than two weeks. Returns what went."""
    removed = []
    for path in _files(folder):
        stale = _is_temporary(path.name) or _is_waiting(folder, path.name)
        if stale and _older_than(path, now - WAITING_AT_MOST):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    for path in _files(folder / OUTCOMES):
        if _older_than(path, now - KEEP_OUTCOMES):
            path.unlink(missing_ok=True)
    return sorted(removed)


def _older_than(path: Path, cutoff: datetime) -> bool:
    try:
        return path.stat().st_mtime < cutoff.timestamp()
    except FileNotFoundError:
        return False


def record_outcome(folder: Path, manifest_name: str, outcome: SetOutcome) -> None:
    body = json.dumps({"status": outcome.status, "detail": outcome.detail}).encode()
    write_atomic(folder / OUTCOMES, f"{manifest_name}.outcome", body)


def forget_outcome(folder: Path, manifest_name: str) -> None:
    """The set came again: what became of it last time no longer answers for it."""
    (folder / OUTCOMES / f"{manifest_name}.outcome").unlink(missing_ok=True)


def outcome_of(folder: Path, manifest_name: str) -> SetOutcome | None:
    try:
        found = json.loads((folder / OUTCOMES / f"{manifest_name}.outcome").read_bytes())
    except FileNotFoundError:
        return None
    return SetOutcome(str(found["status"]), str(found["detail"]))


class Quota:
    """The per-store limits on files waiting without a manifest, counting those still arriving.

    One lock for the count and the reservation, so parallel uploads of one store cannot
    each see room for themselves and together pass the limit.
    """

    def __init__(self, max_files: int, max_bytes: int) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._arriving: dict[Path, list[int]] = {}

    @contextmanager
    def admit(self, folder: Path, name: str, length: int) -> Iterator[None]:
        """Hold room for `name` (of `length` bytes) while it arrives; `OverQuota` if none."""
        with self._lock:
            arriving = self._arriving.setdefault(folder, [])
            there = waiting(folder, besides=name)
            after = Waiting(there.files + len(arriving) + 1, there.bytes + sum(arriving) + length)
            if after.files > self.max_files or after.bytes > self.max_bytes:
                raise OverQuota(Waiting(there.files + len(arriving), there.bytes + sum(arriving)))
            arriving.append(length)
        try:
            yield
        finally:
            with self._lock:
                arriving.remove(length)
