"""A chain's file sets for `headoffice.py`, written by the product's own export and signing.

One store database (SQLite, in a temp dir) is filled with D closed business days
of comps (four items, three baristas, two shifts a day, every 20th comp voided,
some with a playbook breakdown); `sync.export.build_day` turns each day into its
CSV files, exactly as a store's nightly export does. Every store of the chain then
sends those days under its own id and key: the CSV files are hard links to one copy,
and each set's manifest is signed for its store by `sync.export.signed_manifest`.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pos_plugin import create_app, csv_cells
from pos_plugin.database import db, write_transaction
from pos_plugin.models import (
    Breakdown,
    BreakdownStatus,
    CatalogItem,
    Comp,
    Role,
    Shift,
    Staff,
    Store,
)
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store
from pos_plugin.settings import Settings, StoreSettings
from pos_plugin.sync import manifest, signing
from pos_plugin.sync.export import DayFiles, build_day, signed_manifest
from pos_plugin.sync.fileset import DATA_KINDS, SetName, write_atomic

FIRST_DAY = date(2026, 10, 1)
ITEMS = (("Free cookie", 180), ("Extra cream", 40), ("Second stamp", 30), ("Oat milk", 50))
STAFF = ("Ana", "Ben", "Chloe")


@dataclass(frozen=True)
class Chain:
    stores: list[tuple[str, str]]  # (store id, public key line for add-store)
    manifests: list[Path]  # oldest first, per store
    rows: int  # comps rows in all the sets


def _fill(
    day: date,
    per_day: int,
    shift_ids: list[int],
    item_ids: list[int],
    staff_ids: list[int],
    breakdown_id: int,
) -> None:
    opens = datetime.combine(day, time(7), tzinfo=UTC)
    rows = []
    for i in range(per_day):
        voided = i % 20 == 0
        at = opens + timedelta(seconds=int(i * 36_000 / max(per_day, 1)))
        rows.append(
            {
                "id": uuid.uuid4(),
                "item_id": item_ids[i % len(item_ids)],
                "value_amount": ITEMS[i % len(ITEMS)][1],
                "currency": "EUR",
                "staff_id": staff_ids[i % len(staff_ids)],
                "shift_id": shift_ids[0 if i < per_day // 2 else 1],
                "business_date": day,
                "created_at": at,
                "created_by": STAFF[i % len(STAFF)],
                "note": "Just this once, with a wink." if i % 3 else "=Happy birthday!",
                "breakdown_id": breakdown_id if i % 7 == 0 else None,
                "status": "voided" if voided else "active",
                "voided_at": at + timedelta(minutes=1) if voided else None,
                "voided_by": "Maya" if voided else None,
                "void_reason": "Tapped the wrong item" if voided else None,
            }
        )
    db.session.execute(sa.insert(Comp), rows)


def template_days(home: Path, days: int, per_day: int) -> tuple[Store, list[DayFiles]]:
    """One store's `days` business days of `per_day` comps each, exported."""
    now = datetime.combine(FIRST_DAY + timedelta(days=days + 2), time(12), tzinfo=UTC)
    settings = Settings(
        home=home,
        source=None,
        database_url=f"sqlite:///{home / 'store.db'}",
        store=StoreSettings(id="template", currency="EUR", timezone="Europe/London"),
    )
    app = create_app({"SETTINGS": settings, "POS_PLUGIN_CLOCK": lambda: now})
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
            items = [
                CatalogItem(name=n, value_amount=v, currency="EUR", icon="c", position=i)
                for i, (n, v) in enumerate(ITEMS)
            ]
            staff = [Staff(name=n, role=Role.BARISTA, pin_hash="-", created_at=now) for n in STAFF]
            breakdown = Breakdown(
                title="Out of oat milk",
                recovery="Offer soy.",
                status=BreakdownStatus.APPROVED,
                created_at=now,
            )
            db.session.add_all([*items, *staff, breakdown])
            db.session.flush()
            for offset in range(days):
                day = FIRST_DAY + timedelta(days=offset)
                shifts = [
                    Shift(
                        name=name,
                        business_date=day,
                        currency="EUR",
                        allowance_amount=10**9,
                        starts_at=datetime.combine(day, time(h), tzinfo=UTC),
                        ends_at=datetime.combine(day, time(h + 6), tzinfo=UTC),
                    )
                    for name, h in (("Opening", 7), ("Late", 13))
                ]
                db.session.add_all(shifts)
                db.session.flush()
                _fill(
                    day,
                    per_day,
                    [s.id for s in shifts],
                    [i.id for i in items],
                    [s.id for s in staff],
                    breakdown.id,
                )
        store = get_store()
        files = [build_day(store, FIRST_DAY + timedelta(days=n), now) for n in range(days)]
        db.session.remove()
        db.engine.dispose()
    return store, files


def _store_like(template: Store, store_id: str) -> Store:
    return Store(
        id=store_id, timezone=template.timezone, business_day_starts=template.business_day_starts
    )


def write_chain(folder: Path, template: Store, days: list[DayFiles], stores: int) -> Chain:
    """`stores` stores, each sending every day of `days`; sets named and signed per store."""
    originals = folder / "originals"
    for day in days:
        for kind in DATA_KINDS:
            write_atomic(originals, f"{day.business_date}.{kind}.csv", day.files[kind])
    registered, manifests = [], []
    now = datetime.now(UTC)
    for number in range(stores):
        store_id = f"store-{number:05d}"
        key = Ed25519PrivateKey.generate()
        registered.append((store_id, signing.public_key_text(key)))
        inbox = folder / "sets" / store_id
        inbox.mkdir(parents=True)
        for day in days:
            name = SetName(store_id, day.business_date, 1)
            for kind in DATA_KINDS:
                os.link(originals / f"{day.business_date}.{kind}.csv", inbox / name.data_file(kind))
            signed = signed_manifest(_store_like(template, store_id), day, name, key, now, None)
            manifests.append(write_atomic(inbox, name.manifest, signed))
    return Chain(registered, manifests, stores * sum(d.rows["comps"] for d in days))


def first_stores(chain: Chain, stores: int) -> Chain:
    """The part of `chain` that its first `stores` stores send."""
    kept = chain.stores[:stores]
    names = {store_id for store_id, _ in kept}
    manifests = [path for path in chain.manifests if path.parent.name in names]
    return Chain(kept, manifests, chain.rows * len(kept) // len(chain.stores))


def big_set(folder: Path, template: Store, day: DayFiles, comps: int) -> Chain:
    """One store's day of `comps` comps: the template day's rows again and again, each with
    a comp id of its own, through the product's CSV writer and signing."""
    source = list(csv.reader(io.StringIO(day.files["comps"].decode(), newline="")))[1:]
    at = {column: n for n, column in enumerate(manifest.COMPS_COLUMNS)}
    totals = manifest.TotalsBuilder()

    def repeated() -> Iterator[list[str]]:
        for i in range(comps):
            cells = [csv_cells.read_cell(cell) for cell in source[i % len(source)]]
            cells[at["comp_id"]] = str(uuid.uuid4())
            value, voided = int(cells[at["value_amount"]]), cells[at["status"]] == "voided"
            totals.add(cells[at["currency"]], value, voided)
            yield cells

    data, rows = csv_cells.to_bytes(manifest.COMPS_COLUMNS, repeated())
    big = DayFiles(
        day.business_date,
        {**day.files, "comps": data},
        {**day.rows, "comps": rows},
        totals.totals,
        day.voided,
    )
    return write_chain(folder, template, [big], 1)
