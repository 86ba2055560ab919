#!/usr/bin/env python
"""History benchmark: does a tap cost more when the shift and the database are full?

Two copies of our real app serve taps over HTTP (waitress, loopback) on SQLite
(and on PostgreSQL when it answers): one on an empty database, one whose
running shift already holds 10,000 comps and whose database holds 1,000,000
more in 1,000 past shifts, loaded with plain INSERTs. Rounds alternate between
the two; the figure to read is the ratio of their median tap times (target:
at most 1.2x).

    .venv/bin/python benchmarks/bench_history.py            # 1,000,000 rows, 400 taps each
    .venv/bin/python benchmarks/bench_history.py --quick    # 20,000 rows, 40 taps each
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bench_tap import (
    DEFAULT_POSTGRES_URL,
    RESULTS_DIR,
    BackgroundServer,
    Ours,
    build_ours,
    dispose_ours,
    postgres_problem,
    postgres_schema,
)

from pos_plugin.database import db

ROUNDS = 8
BATCH = 10_000


def tap(conn: http.client.HTTPConnection, ours: Ours) -> float:
    body = json.dumps({"item_id": ours.item_id, "note": "history bench"}).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {ours.token}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    started = time.perf_counter()
    conn.request("POST", "/api/v1/comps", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        raise SystemExit(f"tap answered {response.status}")
    return time.perf_counter() - started


def fill(ours: Ours, in_shift: int, history: int) -> None:
    """Give the running shift `in_shift` comps and past shifts `history` more, in bulk."""
    with ours.app.app_context():
        engine = db.engine
    with engine.begin() as sql:
        shift_id, currency = sql.execute(
            sa.text("SELECT id, currency FROM shift ORDER BY id DESC LIMIT 1")
        ).one()
        past = datetime(2020, 1, 1, tzinfo=UTC)
        shifts = max(1, history // 1000)
        for n in range(shifts):
            starts = past + timedelta(hours=6 * n)
            sql.execute(
                sa.text(
                    "INSERT INTO shift (name, business_date, starts_at, ends_at, "
                    "allowance_amount, currency, used_amount, comps_count) VALUES "
                    "('Past', :day, :starts, :ends, 1000000, :cur, 0, 0)"
                ),
                {
                    "day": starts.date(),
                    "starts": starts,
                    "ends": starts + timedelta(hours=5),
                    "cur": currency,
                },
            )
        past_ids = [
            row[0] for row in sql.execute(sa.text("SELECT id FROM shift WHERE name = 'Past'"))
        ]
        rows = [(past_ids[i % len(past_ids)], past.date(), past) for i in range(history)]
        rows += [(shift_id, datetime.now(UTC).date(), datetime.now(UTC))] * in_shift
        insert = sa.text(
            "INSERT INTO comp (id, item_id, value_amount, currency, shift_id, business_date, "
            "created_at, created_by, status) VALUES (:id, :item, 1, :cur, :shift, :day, :at, "
            "'bench', 'active')"
        )
        for start in range(0, len(rows), BATCH):
            sql.execute(
                insert,
                [
                    {
                        "id": uuid.uuid4().hex,
                        "item": ours.item_id,
                        "cur": currency,
                        "shift": s,
                        "day": d,
                        "at": a,
                    }
                    for s, d, a in rows[start : start + BATCH]
                ],
            )
        sql.execute(
            sa.text(
                "UPDATE shift SET used_amount = used_amount + :n, comps_count = comps_count + :n "
                "WHERE id = :id"
            ),
            {"n": in_shift, "id": shift_id},
        )


@contextmanager
def served(ours: Ours) -> Iterator[http.client.HTTPConnection]:
    server = BackgroundServer(ours.app, "history", 4)
    server.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        yield conn
    finally:
        conn.close()
        server.stop()


def bench(url_for: dict[str, str], in_shift: int, history: int, taps: int) -> dict[str, float]:
    apps = {name: build_ours(Path(tempfile.mkdtemp()), url, 4) for name, url in url_for.items()}
    results: dict[str, list[float]] = {name: [] for name in apps}
    try:
        with ExitStack() as stack:
            opened = {name: stack.enter_context(served(ours)) for name, ours in apps.items()}
            run(apps, opened, results, in_shift, history, taps)
    finally:
        for ours in apps.values():
            dispose_ours(ours.app)
    empty, full = (statistics.median(results[n]) for n in ("empty", "full"))
    return {"empty_p50_ms": empty * 1000, "full_p50_ms": full * 1000, "ratio": full / empty}


def run(
    apps: dict[str, Ours],
    opened: dict[str, http.client.HTTPConnection],
    results: dict[str, list[float]],
    in_shift: int,
    history: int,
    taps: int,
) -> None:
    for name, conn in opened.items():
        for _ in range(10):  # warm up; opens the shift
            tap(conn, apps[name])
    started = time.perf_counter()
    fill(apps["full"], in_shift, history)
    print(f"  loaded {history + in_shift:,} comps in {time.perf_counter() - started:.1f} s")
    for round_ in range(ROUNDS):
        order = ["empty", "full"] if round_ % 2 == 0 else ["full", "empty"]
        for name in order:
            results[name] += [tap(opened[name], apps[name]) for _ in range(taps // ROUNDS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args(argv)
    in_shift, history, taps = (1_000, 20_000, 40) if args.quick else (10_000, 1_000_000, 400)
    report = {}
    if args.backend in ("sqlite", "all"):
        tmp = Path(tempfile.mkdtemp(prefix="bench-history-"))
        urls = {n: f"sqlite:///{tmp / n}.db" for n in ("empty", "full")}
        print("sqlite:")
        report["sqlite"] = bench(urls, in_shift, history, taps)
    if args.backend in ("postgresql", "all"):
        problem = postgres_problem(DEFAULT_POSTGRES_URL)
        if problem:
            print(f"postgresql skipped: {problem}")
        else:
            with (
                postgres_schema(DEFAULT_POSTGRES_URL) as empty,
                postgres_schema(DEFAULT_POSTGRES_URL) as full,
            ):
                print("postgresql:")
                report["postgresql"] = bench(
                    {"empty": empty, "full": full}, in_shift, history, taps
                )
    print(f"{'backend':<11} {'empty p50 ms':>13} {'full p50 ms':>12} {'full / empty':>13}")
    for backend, row in report.items():
        print(
            f"{backend:<11} {row['empty_p50_ms']:>13.2f} {row['full_p50_ms']:>12.2f} "
            f"{row['ratio']:>12.2f}x"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / "history.json"
    out.write_text(
        json.dumps({"in_shift": in_shift, "history": history, **report}, indent=2),
        encoding="utf-8",
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
