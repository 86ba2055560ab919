#!/usr/bin/env python
"""Sync benchmark: export and ingest one store day of 100,000 comps, against a floor.

For each backend (SQLite in a temp dir; PostgreSQL in a throwaway schema when
it answers on loopback) it fills one closed business day with N comps by
bulk INSERT, then times:

- export: `sync export` of that day (list the comps through the comps
  service, write comps/shifts/stories CSV, sign the manifest, fsync, rename);
  floor: one SELECT of the day's comp rows written with csv.writer;
- ingest: `headoffice ingest` of the set into a fresh head office database
  (check signature, sizes, SHA-256, parse and type every row, totals, then
  load in one transaction: COPY on PostgreSQL); floor: the same rows loaded
  as they are (COPY / executemany) with no checks.

    .venv/bin/python benchmarks/bench_sync.py             # 100,000 comps
    .venv/bin/python benchmarks/bench_sync.py --n 10000   # quicker
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bench_tap import DEFAULT_POSTGRES_URL, postgres_problem, postgres_schema

from pos_plugin import create_app
from pos_plugin.database import db, table_of, write_transaction
from pos_plugin.headoffice import database as ho_database
from pos_plugin.headoffice import ingest, stores
from pos_plugin.headoffice.models import StoreComp
from pos_plugin.models import Comp, Shift
from pos_plugin.money import Money
from pos_plugin.services import catalog
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store
from pos_plugin.settings import AllowanceSettings, Settings, StoreSettings
from pos_plugin.sync import jobs, signing

DAY_START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
BATCH = 10_000


def fill(n: int) -> None:
    with write_transaction():
        store = get_store()
        item = catalog.add_item(
            SYSTEM,
            store,
            name="Free cookie",
            value=Money(180, "EUR"),
            icon="c",
            per_shift_limit=None,
            now=NOW,
        )
        shift = Shift(
            name="Bench",
            business_date=DAY_START.date(),
            starts_at=DAY_START,
            ends_at=DAY_START + timedelta(hours=12),
            allowance_amount=10**9,
            currency="EUR",
            used_amount=180 * n,
            comps_count=n,
        )
        db.session.add(shift)
        db.session.flush()
        item_id, shift_id = item.id, shift.id
    for start in range(0, n, BATCH):
        with write_transaction():
            db.session.execute(
                sa.insert(table_of(Comp)),
                [
                    {
                        "id": uuid.uuid4(),
                        "item_id": item_id,
                        "value_amount": 180,
                        "currency": "EUR",
                        "shift_id": shift_id,
                        "business_date": DAY_START.date(),
                        "created_at": DAY_START + timedelta(milliseconds=400 * i),
                        "created_by": "Ana",
                        "note": "Just this once, with a wink.",
                        "status": "voided" if i % 20 == 0 else "active",
                        "voided_at": DAY_START + timedelta(milliseconds=400 * i + 1)
                        if i % 20 == 0
                        else None,
                        "voided_by": "Maya" if i % 20 == 0 else None,
                        "void_reason": "Tapped the wrong item" if i % 20 == 0 else None,
                    }
                    for i in range(start, min(n, start + BATCH))
                ],
            )


def export_floor(out: Path) -> float:
    started = time.perf_counter()
    rows = db.session.execute(
        sa.select(table_of(Comp)).where(Comp.business_date == DAY_START.date())
    ).all()
    with (out / "floor.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        for row in rows:
            writer.writerow(row)
    db.session.rollback()
    return time.perf_counter() - started


def ingest_floor(url: str, rows: list[dict]) -> float:
    engine = ho_database.open_database(url)
    started = time.perf_counter()
    with ho_database.write_session(engine) as session:
        table = table_of(StoreComp)
        if engine.dialect.name == "postgresql":
            from pos_plugin.headoffice.load import ensure_partition

            ensure_partition(session, DAY_START.date())
            columns = [c.name for c in table.columns]
            driver = session.connection().connection.driver_connection
            assert driver is not None
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:
            session.execute(sa.insert(table), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def run(backend: str, store_url: str, ho_url: str, floor_url: str, n: int) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    settings = Settings(
        home=home,
        source=None,
        database_url=store_url,
        store=StoreSettings(id="bench-cafe", timezone="Europe/London"),
        allowance=AllowanceSettings(),
    )
    app = create_app({"SETTINGS": settings, "POS_PLUGIN_CLOCK": lambda: NOW})
    try:
        with app.app_context():
            db.create_all()
            with write_transaction():
                apply_settings(settings, SYSTEM, NOW)
            fill(n)
            started = time.perf_counter()
            [exported] = jobs.export_days(settings, NOW, [DAY_START.date()])
            export_s = time.perf_counter() - started
            manifest_path = exported.manifest_path
            export_floor_s = export_floor(home)
            public = signing.public_key_text(signing.load_or_create(home))
        engine = ho_database.open_database(ho_url)
        with ho_database.write_session(engine) as session:
            stores.add_store(session, "bench-cafe", public, NOW)
        started = time.perf_counter()
        outcome = ingest.ingest(engine, manifest_path, home / "quarantine", NOW)
        ingest_s = time.perf_counter() - started
        if outcome.status != ingest.INGESTED:
            raise SystemExit(f"{backend}: ingest said {outcome.message}")
        with ho_database.read_session(engine) as session:
            rows = [
                {c.name: getattr(r, c.key) for c in table_of(StoreComp).columns}
                for r in session.scalars(sa.select(StoreComp))
            ]
        engine.dispose()
        ingest_floor_s = ingest_floor(floor_url, rows)
        size = sum(p.stat().st_size for p in manifest_path.parent.glob("bench-cafe_*"))
        return {
            "export_s": export_s,
            "export_floor_s": export_floor_s,
            "ingest_s": ingest_s,
            "ingest_floor_s": ingest_floor_s,
            "bytes": size,
        }
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="comps in the day")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        if args.backend in ("sqlite", "all"):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            results["sqlite"] = run(
                "sqlite",
                f"sqlite:///{tmp / 'store.db'}",
                f"sqlite:///{tmp / 'ho.db'}",
                f"sqlite:///{tmp / 'floor.db'}",
                args.n,
            )
        if args.backend in ("postgresql", "all"):
            problem = postgres_problem(DEFAULT_POSTGRES_URL)
            if problem:
                print(f"postgresql skipped: {problem}")
            else:
                store_url, ho_url, floor_url = (
                    stack.enter_context(postgres_schema(DEFAULT_POSTGRES_URL)) for _ in range(3)
                )
                results["postgresql"] = run("postgresql", store_url, ho_url, floor_url, args.n)
    print(
        f"{'backend':<11} {'comps':>7} {'set MB':>7} {'export s':>9} {'floor s':>8} "
        f"{'ratio':>6} {'ingest s':>9} {'floor s':>8} {'ratio':>6}"
    )
    for backend, r in results.items():
        print(
            f"{backend:<11} {args.n:>7} {r['bytes'] / 1e6:>7.1f} {r['export_s']:>9.2f} "
            f"{r['export_floor_s']:>8.2f} {r['export_s'] / r['export_floor_s']:>5.1f}x "
            f"{r['ingest_s']:>9.2f} {r['ingest_floor_s']:>8.2f} "
            f"{r['ingest_s'] / r['ingest_floor_s']:>5.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
