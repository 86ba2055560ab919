"""Ingesting file sets: each (store, business date, sequence) exactly once.

The manifest is checked first (`verify`), then, holding the store's row lock, a
later sequence replaces the day's rows, the same set again is a replay that
changes nothing, and an earlier sequence than one already loaded is refused. A
refused set is moved to the quarantine folder with a note saying why; an
ingested one, by the caller, to the archive (`setfiles.archive_set`).

A run of many sets (`ingest_all`) loads them in batches, a transaction each: the
batch's sets are read and checked whole first, then their rows go in one COPY per
kind and their rollups in one INSERT per rollup, so a commit and a few statements
serve up to a hundred small sets. A set larger than a batch streams by itself,
checked as it is read and rolled back if a check fails late. Once the run is
done, each month's partition it changed materially is analysed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from pos_plugin.headoffice import partitions, verify
from pos_plugin.headoffice.database import write_session
from pos_plugin.headoffice.load import DayRows, replace_days
from pos_plugin.headoffice.models import IngestedSet, RegisteredStore, SetState
from pos_plugin.headoffice.setfiles import quarantine_set
from pos_plugin.headoffice.verify import Refused, SignedManifest
from pos_plugin.sync.fileset import DATA_KINDS
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


def ingest(engine: Engine, manifest_path: Path, quarantine: Path, now: datetime) -> Outcome:
    """Verify and load one set (named by its manifest) in a transaction of its own; its
    outcome. A refused set is quarantined; a database failure raises (`DBAPIError`) and
    leaves the set where it is, to be ingested again."""
    changes = _Changes()
    outcome = next(_ingest_batch(engine, _Batch([_read(manifest_path)]), quarantine, now, changes))
    changes.analyze(engine)
    return outcome


def ingest_all(
    engine: Engine, manifest_paths: Iterable[Path], quarantine: Path, clock: Callable[[], datetime]
) -> Iterator[Outcome]:
    """Verify and load many sets, in order, a batch of them to a transaction; each set's
    outcome once its batch has committed (or it was refused).

    One commit and a few statements serve a whole batch of small sets, where a commit a
    set cost more than loading its rows. A batch's sets are read and checked whole before
    it writes anything, so a refused set costs its neighbours nothing; should the
    database still refuse the batch, its sets are loaded again one at a time, and the one
    the database refuses raises as `ingest` does, after its neighbours' outcomes.
    """
    changes = _Changes()
    for batch in _batches(manifest_paths):
        yield from _ingest_batch(engine, batch, quarantine, clock(), changes)
    changes.analyze(engine)


BATCH_SETS = 100
# A batch's data files, read whole before it writes: sets are checked first, memory stays
# bounded. A set larger than this is a batch by itself, its rows streamed.
BATCH_BYTES = 2 * 1024 * 1024

_Read = tuple[Path, SignedManifest | Refused]


@dataclass(frozen=True)
class _Batch:
    reads: list[_Read]

    @property
    def signed(self) -> list[SignedManifest]:
        return [read for _, read in self.reads if isinstance(read, SignedManifest)]


def _read(path: Path) -> _Read:
    try:
        return path, verify.read_manifest(path)
    except Refused as refusal:
        return path, refusal


def _batches(paths: Iterable[Path]) -> Iterator[_Batch]:
    """The sets in order, in batches; a store's day at most once in a batch, since a later
    sequence of it decides on what the earlier one left."""
    batch: list[_Read] = []
    size, days = 0, set[tuple[str, date]]()
    for path in paths:
        read = _read(path)
        if isinstance(read[1], SignedManifest):
            signed = read[1]
            day = (signed.name.store_id, signed.name.business_date)
            weight = verify.declared_bytes(signed)
            if batch and (len(batch) >= BATCH_SETS or size + weight > BATCH_BYTES or day in days):
                yield _Batch(batch)
                batch, size, days = [], 0, set()
            size += weight
            days.add(day)
        batch.append(read)
    if batch:
        yield _Batch(batch)


def _ingest_batch(
    engine: Engine, batch: _Batch, quarantine: Path, now: datetime, changes: _Changes
) -> Iterator[Outcome]:
    try:
        loaded = _load_once(engine, batch, now)
    except DBAPIError:
        if len(batch.signed) <= 1:
            raise
        for one in batch.reads:  # one at a time: which set the database refuses, the rest loaded
            yield from _ingest_batch(engine, _Batch([one]), quarantine, now, changes)
        return
    changes.add(loaded)
    for path, read in batch.reads:
        result = read if isinstance(read, Refused) else loaded.results[path]
        if isinstance(result, Refused):
            moved = quarantine_set(path, result, quarantine, now)
            reason = result.reason if result.path == path else str(result)
            yield Outcome(path, REFUSED, f"{reason}; moved to {moved}")
        else:
            yield Outcome(path, REPLAY if result.startswith(REPLAY) else INGESTED, result)


@dataclass(frozen=True)
class _Loaded:
    results: dict[Path, str | Refused]  # each set's message, or why it was refused
    # PostgreSQL: the batch's months' partitions as it found them, and the rows it changed
    states: dict[date, partitions.PartitionState] = field(default_factory=dict)
    changed: dict[date, int] = field(default_factory=dict)


@dataclass
class _Changes:
    """What a run changed in each month's partition, against the partition as the run first
    found it: once the run is done, each partition changed materially is analysed."""

    states: dict[date, partitions.PartitionState] = field(default_factory=dict)
    rows: Counter[date] = field(default_factory=Counter)

    def add(self, loaded: _Loaded) -> None:
        for month, state in loaded.states.items():
            self.states.setdefault(month, state)
        self.rows.update(loaded.changed)

    def analyze(self, engine: Engine) -> None:
        for month, state in self.states.items():
            changed = state.changed_rows + self.rows[month]
            if not self.rows[month] or not partitions.needs_analyze(changed, state.estimated_rows):
                continue
            try:
                partitions.analyze(engine, month)
            except DBAPIError as error:  # the sets are committed; fresher statistics can wait
                log.warning("ANALYZE of %s failed: %s", state.name, error.orig)


def _load_once(engine: Engine, batch: _Batch, now: datetime) -> _Loaded:
    if not batch.signed:
        return _Loaded({})
    try:
        return _in_one_transaction(engine, batch, now)
    except partitions.MissingPartition:
        # Made in a transaction of its own, so the lock it takes is held only that long.
        partitions.create(engine, [s.name.business_date for s in batch.signed])
    return _in_one_transaction(engine, batch, now)


def _in_one_transaction(engine: Engine, batch: _Batch, now: datetime) -> _Loaded:
    sets = batch.signed
    try:
        with write_session(engine) as session:
            return _load(session, batch, now)
    except Refused as refusal:
        # Only streamed rows are refused this late, and only a batch's one set streams.
        assert len(sets) == 1
        return _Loaded({sets[0].manifest_path: refusal})
    except (IntegrityError, DataError) as error:
        if len(sets) > 1:
            raise  # the caller loads them one at a time to find which
        # A set's own rows broke a constraint (a comp twice, a number too large for its
        # column): the set is at fault, not the database.
        reason = f"the database refused its rows: {str(error.orig).strip()}"
        return _Loaded({sets[0].manifest_path: Refused(sets[0].manifest_path, reason)})


def _load(session: Session, batch: _Batch, now: datetime) -> _Loaded:
    """Decide each set against what is ingested (holding its store's row lock: one ingest
    per store at a time, ingests of other stores in parallel), then load the batch."""
    sets = batch.signed
    store_ids = sorted({s.name.store_id for s in sets})
    locked = session.execute(  # in one order, so two batches never deadlock
        select(RegisteredStore.id, RegisteredStore.public_key)
        .where(RegisteredStore.id.in_(store_ids))
        .order_by(RegisteredStore.id)
        .with_for_update()
    )
    keys: dict[str, str] = dict(locked.all())
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    days = [s.name.business_date for s in sets]
    states = partitions.states(session, days) if on_postgresql else {}
    earlier: dict[tuple[str, date], list[IngestedSet]] = {}
    pairs = {(s.name.store_id, s.name.business_date) for s in sets}
    keyed = tuple_(IngestedSet.store_id, IngestedSet.business_date)
    for done in session.scalars(
        select(IngestedSet).where(keyed.in_(list(pairs))).order_by(IngestedSet.sequence)
    ):
        earlier.setdefault((done.store_id, done.business_date), []).append(done)
    results: dict[Path, str | Refused] = {}
    loads: list[tuple[SignedManifest, DayRows, IngestedSet | None]] = []
    for signed in sets:
        name, path = signed.name, signed.manifest_path
        before = earlier.get((name.store_id, name.business_date), [])
        try:
            told = _decide(signed, keys.get(name.store_id), before)
            rows: dict[str, Iterable[tuple[Any, ...]]] = {
                kind: verify.rows(signed, kind) for kind in DATA_KINDS
            }
            if told is not None:  # a replay: its files must still be the ones signed
                for found in rows.values():
                    for _ in found:
                        pass
                results[path] = told
                continue
            if len(sets) > 1:  # read and checked whole now: a late refusal writes nothing
                rows = {kind: list(found) for kind, found in rows.items()}
        except Refused as refusal:
            results[path] = refusal
            continue
        day = DayRows(name.store_id, name.business_date, name.sequence, rows)
        loads.append((signed, day, before[-1] if before else None))
    replacing = [(day.store_id, day.day) for _, day, newest in loads if newest is not None]
    # Rows and rollups in the one transaction: a set that fails late (a streamed set's
    # last line) leaves neither.
    counts = replace_days(session, [day for _, day, _ in loads], replacing=replacing)
    changed = dict.fromkeys(states, 0)
    for (signed, day, newest), loaded in zip(loads, counts, strict=True):
        for done in earlier.get((day.store_id, day.day), []):
            done.state = SetState.SUPERSEDED
        session.add(
            IngestedSet(
                store_id=day.store_id,
                business_date=day.day,
                sequence=day.sequence,
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
        if states:
            month = partitions.month_of(day.day)
            changed[month] += loaded["comps"] + (newest.comps_rows if newest is not None else 0)
        results[signed.manifest_path] = _told(signed, loaded, newest)
    return _Loaded(results, states, changed)


def _decide(
    signed: SignedManifest, public_key: str | None, earlier: list[IngestedSet]
) -> str | None:
    """None when the set is to be loaded; what to tell of a replay; `Refused` otherwise."""
    name = signed.name
    verify.check_signature(signed, public_key)
    verify.check_files(signed)
    for done in earlier:
        if done.sequence == name.sequence:
            if done.manifest_sha256 != signed.manifest_sha256:
                raise Refused(
                    signed.manifest_path,
                    f"conflict: a different set with sequence {name.sequence} was ingested on "
                    f"{done.ingested_at:%Y-%m-%d %H:%M} UTC",
                )
            return f"{REPLAY} on {done.ingested_at:%Y-%m-%d %H:%M} UTC: nothing changed"
    newest = earlier[-1] if earlier else None
    if newest is not None and newest.sequence > name.sequence:
        raise Refused(
            signed.manifest_path,
            f"out of order: sequence {newest.sequence} of {name.business_date} is already "
            f"ingested, and this older sequence {name.sequence} would undo it",
        )
    return None


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
