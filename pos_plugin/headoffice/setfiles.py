"""Where a head office's file sets are found, and where their files go once decided.

`manifests_in` finds the sets named on the command line or queued in an inbox,
oldest first; an ingested set's files move to the archive (`archive_set`), a
refused set's to a folder of its own in the quarantine, with the reason
(`quarantine_set`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from pos_plugin.headoffice.verify import Refused
from pos_plugin.sync.fileset import MANIFEST_SUFFIX, parse_name


def manifests_in(paths: Iterable[Path]) -> list[Path]:
    """The manifests named by paths (a manifest, any file of a set, or a folder of sets)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.iterdir() if p.name.endswith(MANIFEST_SUFFIX) and p.name[0] != "."
            )
            continue
        parsed = parse_name(path.name)
        found.append(path.with_name(parsed[0].manifest) if parsed else path)
    # Oldest first, and each day's sequences in order, so a folder of catch-up sets loads cleanly.
    return sorted(dict.fromkeys(found), key=_oldest_first)


def _oldest_first(path: Path) -> tuple[date, str, int, str]:
    parsed = parse_name(path.name)
    if parsed is None:
        return (date.min, "", 0, path.name)
    name = parsed[0]
    return (name.business_date, name.store_id, name.sequence, path.name)


def archive_set(manifest_path: Path, archive: Path) -> Path:
    """Move an ingested set's files into the store's folder of the archive; that folder."""
    parsed = parse_name(manifest_path.name)
    target = archive / (parsed[0].store_id if parsed else "unnamed")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in parsed[0].all_files() if parsed else [manifest_path.name]:
        source = manifest_path.parent / name
        if source.exists():
            _move(source, target / name)
            (target / name).chmod(0o600)  # head office's own copy now, whoever sent it
    return target


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError:
        shutil.move(source, target)  # another file system


def quarantine_set(manifest_path: Path, refusal: Refused, quarantine: Path, now: datetime) -> Path:
    """Move the set's files (those that exist) to a folder of their own, with the reason."""
    parsed = parse_name(manifest_path.name)
    stem = parsed[0].stem if parsed else manifest_path.name
    target = quarantine / f"{stem}.{now:%Y%m%dT%H%M%S%f}"
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    names = parsed[0].all_files() if parsed else [manifest_path.name]
    for name in names:
        source = manifest_path.parent / name
        if source.exists():
            _move(source, target / name)
    (target / "reason.txt").write_text(f"{refusal}\n", encoding="utf-8")
    return target
