"""Exporting closed business days as signed file sets: the rules of what goes out, and when.

A day is exported once it has closed (store zone, business-day start). Days
missed while the till was off are caught up oldest first. A closed day that
changes afterwards (a late void, a story starred or unstarred) goes out again
as the next sequence, which supersedes the earlier one; a day exported again
unchanged writes nothing.
The caller owns the transaction: one per day, so a crash keeps the days done.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from pos_plugin import csv_cells
from pos_plugin.database import db
from pos_plugin.models import (
    AuditEvent,
    BatchState,
    Breakdown,
    Comp,
    CompStatus,
    Role,
    Staff,
    Store,
    SyncBatch,
)
from pos_plugin.services import comps, shifts
from pos_plugin.services.actors import Actor
from pos_plugin.services.business_day import business_date_of, business_day_bounds
from pos_plugin.services.errors import InvalidInput
from pos_plugin.sync import manifest, signing
from pos_plugin.sync.fileset import DATA_KINDS, SetName, sha256_hex, write_atomic

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SYNC_ACTOR = Actor(role=Role.MANAGER, label="nightly sync")


@dataclass(frozen=True)
class DayFiles:
    """A business day's data files in memory, before they are named and signed."""

    business_date: date
    files: dict[str, bytes]
    rows: dict[str, int]
    totals: dict[str, dict[str, int]]
    voided: int

    @property
    def content_sha256(self) -> str:
        return sha256_hex(
            "".join(f"{kind}:{sha256_hex(self.files[kind])}\n" for kind in DATA_KINDS).encode()
        )


@dataclass(frozen=True)
class Exported:
    """What exporting one day did: wrote `batch` (changed) or found it already out."""

    batch: SyncBatch
    day: DayFiles
    written: bool
    superseded: int | None = None

    @property
    def manifest_path(self) -> Path:
        return Path(self.batch.directory) / self.batch.manifest_name


def last_closed_day(store: Store, now: datetime) -> date:
    return business_date_of(now, store.zone, store.business_day_starts) - timedelta(days=1)


def pending_days(store: Store, now: datetime) -> list[date]:
    """Closed days to export, oldest first: never exported, or changed since their last set."""
    last = last_closed_day(store, now)
    first = shifts.first_business_date()
    exported = set(db.session.scalars(select(SyncBatch.business_date).distinct()))
    missing: set[date] = set()
    if first is not None:
        day = first
        while day <= last:
            if day not in exported:
                missing.add(day)
            day += timedelta(days=1)
    return sorted(missing | set(changed_days(last)))


# A change stamped just before an export but committed after it read the day is caught by
# looking back this far; a day found unchanged writes nothing, so the margin costs little.
CHANGE_MARGIN = timedelta(minutes=10)
# Audited comp actions that cannot change a closed day: a comp is created in the open one.
_NOT_A_LATE_CHANGE = ("comp.created",)


def changed_days(last: date) -> list[date]:
    """Exported days with a comp changed since the last export (or just before it).

    A void and a star leave their time on the comp (`voided_at`, `starred_at`,
    both indexed). An unstar clears `starred_at` and leaves no time behind, so
    the audit log, where every service records a change to a comp, names the
    comps touched since. Each export looks at changes since the one before, so
    none slips between two.
    """
    since = db.session.scalar(select(func.max(SyncBatch.exported_at)))
    if since is None:
        return []
    cutoff = since - CHANGE_MARGIN
    in_exported_day = (
        Comp.business_date <= last,
        Comp.business_date.in_(select(SyncBatch.business_date)),
    )
    stamped = select(Comp.business_date).where(
        or_(Comp.voided_at > cutoff, Comp.starred_at > cutoff), *in_exported_day
    )
    days = set(db.session.scalars(stamped.distinct()))
    audited = _comps_audited_since(cutoff)
    for start in range(0, len(audited), _ID_CHUNK):
        chunk = audited[start : start + _ID_CHUNK]
        query = select(Comp.business_date).where(Comp.id.in_(chunk), *in_exported_day)
        days.update(db.session.scalars(query.distinct()))
    return sorted(days)


_ID_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


def _comps_audited_since(cutoff: datetime) -> list[uuid.UUID]:
    query = select(AuditEvent.entity_id).where(
        AuditEvent.at > cutoff,
        AuditEvent.entity == "comp",
        AuditEvent.action.not_in(_NOT_A_LATE_CHANGE),
    )
    found: set[uuid.UUID] = set()
    for entity_id in db.session.scalars(query.distinct()):
        try:
            found.add(uuid.UUID(entity_id))
        except ValueError:
            continue  # not a comp id: nothing of a day to send again
    return sorted(found)


def export_day(
    store: Store, key: Ed25519PrivateKey, day: date, now: datetime, directory: Path
) -> Exported:
    """Write the day's set if it changed since its last sequence (or never went out)."""
    last = last_closed_day(store, now)
    if day > last:
        raise InvalidInput(
            _l(
                "%(day)s has not closed yet: the last closed business day is %(last)s.",
                day=day.isoformat(),
                last=last.isoformat(),
            ),
            field="date",
        )
    files = build_day(store, day, now)
    previous = db.session.scalars(
        select(SyncBatch)
        .where(SyncBatch.business_date == day)
        .order_by(SyncBatch.sequence.desc())
        .limit(1)
    ).first()
    if previous is not None and previous.content_sha256 == files.content_sha256:
        return Exported(batch=previous, day=files, written=False)
    name = SetName(store.id, day, 1 if previous is None else previous.sequence + 1)
    signed = signed_manifest(store, files, name, key, now, previous)
    for kind in DATA_KINDS:
        write_atomic(directory, name.data_file(kind), files.files[kind])
    write_atomic(directory, name.manifest, signed)  # last: its presence means the set is whole
    _supersede_unsent(day)
    batch = SyncBatch(
        business_date=day,
        sequence=name.sequence,
        content_sha256=files.content_sha256,
        directory=str(directory),
        manifest_name=name.manifest,
        comps_count=files.rows["comps"],
        exported_at=now,
        state=BatchState.EXPORTED,
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    return Exported(
        batch=batch,
        day=files,
        written=True,
        superseded=None if previous is None else previous.sequence,
    )


def _supersede_unsent(day: date) -> None:
    """Earlier sets of the day that head office has not confirmed will never be sent now."""
    unsent = db.session.scalars(
        select(SyncBatch).where(
            SyncBatch.business_date == day, SyncBatch.state != BatchState.ACKNOWLEDGED
        )
    ).all()
    for batch in unsent:
        batch.state = BatchState.SUPERSEDED
        batch.next_attempt_at = None


def signed_manifest(
    store: Store,
    files: DayFiles,
    name: SetName,
    key: Ed25519PrivateKey,
    now: datetime,
    previous: SyncBatch | None,
) -> bytes:
    starts, ends = business_day_bounds(files.business_date, store.zone, store.business_day_starts)
    public = signing.public_key_text(key)
    body: dict[str, Any] = {
        "format": manifest.FORMAT,
        "format_version": manifest.FORMAT_VERSION,
        "store_id": store.id,
        "business_date": files.business_date.isoformat(),
        "sequence": name.sequence,
        "supersedes": None if previous is None else previous.sequence,
        "exported_at": _iso(now),
        "timezone": store.timezone,
        "business_day": {"starts_at": _iso(starts), "ends_at": _iso(ends)},
        "files": {
            kind: {
                "name": name.data_file(kind),
                "rows": files.rows[kind],
                "bytes": len(files.files[kind]),
                "sha256": sha256_hex(files.files[kind]),
            }
            for kind in DATA_KINDS
        },
        "totals": files.totals,
        "signature_algorithm": signing.ALGORITHM,
        "key_id": signing.key_id(public),
    }
    return manifest.envelope(body, key)


def build_day(store: Store, day: date, now: datetime) -> DayFiles:
    """The day's comps (and voids), shift tallies and stories as CSV bytes, and their totals."""
    given = sorted(
        comps.list_comps(SYNC_ACTOR, store, now, business_date=day),
        key=lambda comp: (comp.created_at, str(comp.id)),
    )
    staff = dict(db.session.execute(select(Staff.id, Staff.name)).all())
    breakdowns = dict(db.session.execute(select(Breakdown.id, Breakdown.title)).all())
    totals = manifest.TotalsBuilder.of(
        (c.currency, c.value_amount, c.status is CompStatus.VOIDED) for c in given
    )
    comps_csv, comps_rows = csv_cells.to_bytes(
        manifest.COMPS_COLUMNS, _comp_rows(given, staff, breakdowns)
    )
    tallies = shifts.shifts_of_day(SYNC_ACTOR, day)
    shifts_csv, shifts_rows = csv_cells.to_bytes(
        manifest.SHIFTS_COLUMNS,
        (
            (
                t.shift.id,
                t.shift.business_date.isoformat(),
                t.shift.name,
                t.shift.template_id,
                _iso(t.shift.starts_at),
                _iso(t.shift.ends_at),
                t.shift.allowance_amount,
                t.shift.currency,
                t.shift.max_comps,
                t.shift.max_comps_per_staff,
                t.used.amount,
                t.comps_count,
                _iso(t.shift.overridden_at),
                t.shift.overridden_by,
            )
            for t in tallies
        ),
    )
    stories_csv, stories_rows = csv_cells.to_bytes(
        manifest.STORIES_COLUMNS, _story_rows(given, staff)
    )
    return DayFiles(
        business_date=day,
        files={"comps": comps_csv, "shifts": shifts_csv, "stories": stories_csv},
        rows={"comps": comps_rows, "shifts": shifts_rows, "stories": stories_rows},
        totals=totals,
        voided=sum(1 for c in given if c.status is CompStatus.VOIDED),
    )


def _comp_rows(
    given: list[Comp], staff: dict[int, str], breakdowns: dict[int, str]
) -> Iterator[tuple[Any, ...]]:
    for comp in given:
        yield (
            comp.id,
            comp.business_date.isoformat(),
            comp.status.value,
            _iso(comp.created_at),
            comp.item_id,
            comp.item.name,
            comp.value_amount,
            comp.currency,
            comp.staff_id,
            staff.get(comp.staff_id) if comp.staff_id is not None else None,
            comp.approved_by_id,
            staff.get(comp.approved_by_id) if comp.approved_by_id is not None else None,
            comp.shift_id,
            comp.created_by,
            comp.order_ref,
            comp.breakdown_id,
            breakdowns.get(comp.breakdown_id) if comp.breakdown_id is not None else None,
            comp.reason,
            comp.note,
            _iso(comp.voided_at),
            comp.voided_by,
            comp.void_reason,
        )


def _story_rows(given: list[Comp], staff: dict[int, str]) -> Iterator[tuple[Any, ...]]:
    """The day's starred stories, oldest star first; a voided comp's story did not stand."""
    starred = [c for c in given if c.starred_at is not None and c.status is CompStatus.ACTIVE]
    for comp in sorted(starred, key=lambda c: (c.starred_at, str(c.id))):
        yield (
            comp.id,
            _iso(comp.starred_at),
            comp.starred_by,
            comp.staff_id,
            staff.get(comp.staff_id) if comp.staff_id is not None else None,
            comp.item.name,
            comp.customer_name,
            comp.note,
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
