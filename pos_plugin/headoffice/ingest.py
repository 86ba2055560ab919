"""Ingesting file sets: each (store, business date, sequence) exactly once, in one transaction.

The manifest is checked first (`verify`), then, holding the store's row lock, a
later sequence replaces the day's rows as they stream from the files (each file
checked as it is read, the transaction rolled back if any check fails late), the
same set again is a replay that changes nothing, and an earlier sequence than one
already loaded is refused. A refused set is moved to the quarantine folder with a
note saying why; an ingested one, by the caller, to the archive (`archive_set`).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pos_plugin.headoffice import partitions, rollups, verify
from pos_plugin.headoffice.database import write_session
from pos_plugin.headoffice.load import replace_day
from pos_plugin.headoffice.models import IngestedSet, RegisteredStore, SetState
from pos_plugin.headoffice.verify import Refused, SignedManifest
from pos_plugin.sync.fileset import DATA_KINDS, MANIFEST_SUFFIX, parse_name
from pos_plugin.sync.manifest import FORMAT_VERSION

log = logging.getLogger(__name__)

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
    """Verify and load one set (named by its manifest) in one transaction; its outcome.

    A refused set is quarantined; a database failure raises (`DBAPIError`) and leaves the
    set where it is, to be ingested again."""
    try:
        signed = verify.read_manifest(manifest_path)
        loaded = _load_once(engine, signed, now)
    except Refused as refusal:
        moved = quarantine_set(manifest_path, refusal, quarantine, now)
        reason = refusal.reason if refusal.path == manifest_path else str(refusal)
        return Outcome(manifest_path, REFUSED, f"{reason}; moved to {moved}")
    if loaded.analyze:
        try:
            partitions.analyze(engine, signed.name.business_date)
        except DBAPIError as error:  # the set is committed; fresher statistics can wait
            log.warning("ANALYZE after %s failed: %s", manifest_path.name, error.orig)
    status = REPLAY if loaded.message.startswith(REPLAY) else INGESTED
    return Outcome(manifest_path, status, loaded.message)


@dataclass(frozen=True)
class _Loaded:
    message: str
    analyze: bool = False  # the load changed its month's partition materially


def _load_once(engine: Engine, signed: SignedManifest, now: datetime) -> _Loaded:
    try:
        with write_session(engine) as session:
            return _load(session, signed, now)
    except partitions.MissingPartition as missing:
        # Made in a transaction of its own, so the lock it takes is held only that long.
        partitions.create(engine, [missing.day])
    with write_session(engine) as session:
        return _load(session, signed, now)


def _load(session: Session, signed: SignedManifest, now: datetime) -> _Loaded:
    name = signed.name
    # One ingest per store at a time; ingests of other stores go on in parallel. On
    # PostgreSQL the same query reads the state of the month's partition.
    locked = select(RegisteredStore.public_key).where(RegisteredStore.id == name.store_id)
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        locked = locked.add_columns(*partitions.state_columns(name.business_date))
    found = session.execute(locked.with_for_update(of=RegisteredStore)).first()
    store: tuple[Any, ...] | None = None if found is None else tuple(found)
    verify.check_signature(signed, None if store is None else store[0])
    assert store is not None  # check_signature refused a store that is not registered
    verify.check_files(signed)
    partition = partitions.state_of(name.business_date, *store[1:]) if on_postgresql else None
    earlier = session.scalars(
        select(IngestedSet)
        .where(
            IngestedSet.store_id == name.store_id, IngestedSet.business_date == name.business_date
        )
        .order_by(IngestedSet.sequence)
    ).all()
    for done in earlier:
        if done.sequence == name.sequence:
            if done.manifest_sha256 != signed.manifest_sha256:
                raise Refused(
                    signed.manifest_path,
                    f"conflict: a different set with sequence {name.sequence} was ingested on "
                    f"{done.ingested_at:%Y-%m-%d %H:%M} UTC",
                )
            for kind in DATA_KINDS:  # the files must still be the ones signed
                for _ in verify.rows(signed, kind):
                    pass
            return _Loaded(f"{REPLAY} on {done.ingested_at:%Y-%m-%d %H:%M} UTC: nothing changed")
    newest = earlier[-1] if earlier else None
    if newest is not None and newest.sequence > name.sequence:
        raise Refused(
            signed.manifest_path,
            f"out of order: sequence {newest.sequence} of {name.business_date} is already "
            f"ingested, and this older sequence {name.sequence} would undo it",
        )
    loaded = replace_day(
        session,
        name.store_id,
        name.business_date,
        name.sequence,
        {kind: verify.rows(signed, kind) for kind in DATA_KINDS},
        replacing=newest is not None,
    )
    # The set's rows are all loaded and checked here, the transaction still open: the day's
    # rollups are rewritten from them in the same commit.
    rollups.refresh(session, name.store_id, [name.business_date])
    for done in earlier:
        done.state = SetState.SUPERSEDED
    session.add(
        IngestedSet(
            store_id=name.store_id,
            business_date=name.business_date,
            sequence=name.sequence,
            manifest_sha256=signed.manifest_sha256,
            exported_at=signed.exported_at,
            ingested_at=now,
            state=SetState.CURRENT,
            comps_rows=loaded["comps"],
            shifts_rows=loaded["shifts"],
            stories_rows=loaded["stories"],
            format_version=signed.format_version,
            totals=signed.totals,
        )
    )
    changed = loaded["comps"] + (newest.comps_rows if newest is not None else 0)
    analyze = partition is not None and partitions.needs_analyze(
        partition.changed_rows + changed, partition.estimated_rows
    )
    return _Loaded(_told(signed, loaded, newest), analyze)


def _told(signed: SignedManifest, loaded: dict[str, int], newest: IngestedSet | None) -> str:
    name = signed.name
    rows, stories = loaded["comps"], loaded["stories"]
    starred = f"{stories} starred {'story' if stories == 1 else 'stories'}"
    told = f"{rows} comps and {starred}" if stories else f"{rows} comps"
    replaced = f", replacing sequence {newest.sequence}" if newest is not None else ""
    older = (
        f" (format version {signed.format_version}: it records no approvers and no stories)"
        if signed.format_version < FORMAT_VERSION
        else ""
    )
    return f"{INGESTED}: {told} of {name.store_id} on {name.business_date}{replaced}{older}"


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
