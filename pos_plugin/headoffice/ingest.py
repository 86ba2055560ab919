"""Ingesting file sets: each (store, business date, sequence) exactly once, in one transaction.

A set is checked in full first (`verify`), without writing. Then, holding
the store's row lock, a later sequence replaces the day's rows, the same set
again is a replay that changes nothing, and an earlier sequence than one
already loaded is refused. A refused set is moved to the quarantine folder
with a note saying why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pos_plugin.headoffice import rollups, stores
from pos_plugin.headoffice.database import read_session, write_session
from pos_plugin.headoffice.load import replace_day
from pos_plugin.headoffice.models import IngestedSet, RegisteredStore, SetState
from pos_plugin.headoffice.verify import CheckedSet, Refused, check_set
from pos_plugin.sync.fileset import MANIFEST_SUFFIX, parse_name
from pos_plugin.sync.manifest import FORMAT_VERSION

INGESTED = "ingested"
REPLAY = "already ingested"
REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    path: Path
    status: str
    message: str

    @property
    def refused(self) -> bool:
        return self.status == REFUSED


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


def ingest(engine: Engine, manifest_path: Path, quarantine: Path, now: datetime) -> Outcome:
    try:
        with read_session(engine) as session:
            checked = check_set(manifest_path, lambda store: stores.public_key_of(session, store))
        with write_session(engine) as session:
            message = _load(session, checked, now)
    except Refused as refusal:
        moved = quarantine_set(manifest_path, refusal, quarantine, now)
        reason = refusal.reason if refusal.path == manifest_path else str(refusal)
        return Outcome(manifest_path, REFUSED, f"{reason}; moved to {moved}")
    status = REPLAY if message.startswith(REPLAY) else INGESTED
    return Outcome(manifest_path, status, message)


def _load(session: Session, checked: CheckedSet, now: datetime) -> str:
    name = checked.name
    session.get(RegisteredStore, name.store_id, with_for_update=True)  # one ingest per store
    earlier = session.scalars(
        select(IngestedSet)
        .where(
            IngestedSet.store_id == name.store_id, IngestedSet.business_date == name.business_date
        )
        .order_by(IngestedSet.sequence)
    ).all()
    for done in earlier:
        if done.sequence == name.sequence:
            if done.manifest_sha256 == checked.manifest_sha256:
                return f"{REPLAY} on {done.ingested_at:%Y-%m-%d %H:%M} UTC: nothing changed"
            raise Refused(
                checked.manifest_path,
                f"conflict: a different set with sequence {name.sequence} was ingested on "
                f"{done.ingested_at:%Y-%m-%d %H:%M} UTC",
            )
    newest = earlier[-1].sequence if earlier else None
    if newest is not None and newest > name.sequence:
        raise Refused(
            checked.manifest_path,
            f"out of order: sequence {newest} of {name.business_date} is already ingested, "
            f"and this older sequence {name.sequence} would undo it",
        )
    replace_day(session, name.store_id, name.business_date, name.sequence, checked.rows)
    rollups.refresh(session, name.store_id, [name.business_date])
    for done in earlier:
        done.state = SetState.SUPERSEDED
    session.add(
        IngestedSet(
            store_id=name.store_id,
            business_date=name.business_date,
            sequence=name.sequence,
            manifest_sha256=checked.manifest_sha256,
            exported_at=checked.exported_at,
            ingested_at=now,
            state=SetState.CURRENT,
            comps_rows=len(checked.rows["comps"]),
            shifts_rows=len(checked.rows["shifts"]),
            stories_rows=len(checked.rows["stories"]),
            format_version=checked.format_version,
            totals=checked.totals,
        )
    )
    rows = len(checked.rows["comps"])
    stories = len(checked.rows["stories"])
    starred = f"{stories} starred {'story' if stories == 1 else 'stories'}"
    told = f"{rows} comps and {starred}" if stories else f"{rows} comps"
    replaced = f", replacing sequence {newest}" if newest is not None else ""
    older = (
        f" (format version {checked.format_version}: it records no approvers and no stories)"
        if checked.format_version < FORMAT_VERSION
        else ""
    )
    return f"{INGESTED}: {told} of {name.store_id} on {name.business_date}{replaced}{older}"


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
            try:
                os.replace(source, target / name)
            except OSError:
                shutil.move(source, target / name)  # another file system
    (target / "reason.txt").write_text(f"{refusal}\n", encoding="utf-8")
    return target
