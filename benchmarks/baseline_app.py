#!/usr/bin/env python
"""The floor a tap endpoint stands on: a bare Flask app that inserts one row.

`bench.py` starts this in its own process, under the same server as `pos-plugin
serve` (waitress with `pos_plugin/serving.py`'s connections, loaded on its own
so that nothing else of ours is imported) with the same number of threads, and
compares our tap with it; `--stock-waitress` serves it with waitress as it comes
instead. The view parses the same JSON body, inserts one row of the comp's shape
with the raw driver (`sqlite3`, or psycopg on PostgreSQL), commits once per
request and answers 201 with a small JSON body. SQLite runs as ours does: WAL,
`synchronous=FULL`, a busy timeout, `BEGIN IMMEDIATE`. No auth, no allowance, no
idempotency, no audit: everything ours does beyond this is what the ratios
measure.

    python baseline_app.py --port 5001 --sqlite /tmp/baseline.db
    python baseline_app.py --port 5001 --postgres "host=127.0.0.1 dbname=test user=postgres"
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import waitress
from flask import Flask, jsonify, request

COLUMNS = (
    "id, item_id, value_amount, currency, staff_id, shift_id, business_date, created_at, "
    "created_by, note, reason, customer_name, order_ref, status, idempotency_key"
)
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS baseline_comp (
    id CHAR(32) PRIMARY KEY, item_id INTEGER NOT NULL, value_amount INTEGER NOT NULL,
    currency VARCHAR(3) NOT NULL, staff_id INTEGER, shift_id INTEGER NOT NULL,
    business_date DATE NOT NULL, created_at DATETIME NOT NULL, created_by VARCHAR(120) NOT NULL,
    note VARCHAR(280), reason VARCHAR(280), customer_name VARCHAR(80), order_ref VARCHAR(64),
    status VARCHAR(16) NOT NULL, idempotency_key VARCHAR(255)
);
CREATE INDEX IF NOT EXISTS ix_baseline_comp_shift_status ON baseline_comp (shift_id, status);
CREATE INDEX IF NOT EXISTS ix_baseline_comp_business_date ON baseline_comp (business_date);
"""
POSTGRES_SCHEMA = (
    SQLITE_SCHEMA.replace("CHAR(32)", "UUID").replace("DATETIME", "TIMESTAMPTZ").split(";")
)
ITEM_VALUE = 250


def sqlite_inserter(path: str) -> Callable[[dict[str, Any]], None]:
    local = threading.local()
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.executescript(SQLITE_SCHEMA)
    setup.close()

    def connection() -> sqlite3.Connection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            local.conn = conn
        return conn

    sql = f"INSERT INTO baseline_comp ({COLUMNS}) VALUES ({', '.join('?' * 15)})"

    def insert(row: dict[str, Any]) -> None:
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(sql, (row["id"].hex, *_rest(row)))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    return insert


def postgres_inserter(conninfo: str) -> Callable[[dict[str, Any]], None]:
    import psycopg

    local = threading.local()
    with psycopg.connect(conninfo, autocommit=True) as setup:
        for statement in POSTGRES_SCHEMA:
            if statement.strip():
                setup.execute(statement)
    sql = f"INSERT INTO baseline_comp ({COLUMNS}) VALUES ({', '.join(['%s'] * 15)})"

    def insert(row: dict[str, Any]) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(conninfo)
        with conn.transaction():
            conn.execute(sql, (row["id"], *_rest(row)))

    return insert


def _rest(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name.strip()] for name in COLUMNS.split(",")[1:])


def build_app(insert: Callable[[dict[str, Any]], None]) -> Flask:
    app = Flask("baseline")

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.post("/comps")
    def tap() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("item_id"), int):
            return jsonify(title="item_id is required"), 422
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4(),
            "item_id": body["item_id"],
            "value_amount": ITEM_VALUE,
            "currency": "EUR",
            "staff_id": body.get("staff_id"),
            "shift_id": 1,
            "business_date": now.date(),
            "created_at": now,
            "created_by": "till token 'bench till'",
            "note": body.get("note"),
            "reason": body.get("reason"),
            "customer_name": body.get("customer_name"),
            "order_ref": body.get("order_ref"),
            "status": "active",
            "idempotency_key": request.headers.get("Idempotency-Key"),
        }
        insert(row)
        answer = {
            "id": str(row["id"]),
            "item_id": row["item_id"],
            "value": {"amount": ITEM_VALUE, "currency": "EUR"},
            "shift_id": row["shift_id"],
            "created_at": now.isoformat(),
            "note": row["note"],
            "status": "active",
        }
        return jsonify(answer), 201, {"Location": f"/comps/{row['id']}"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--stock-waitress",
        action="store_true",
        help="serve with waitress as it comes, not with the server `pos-plugin serve` runs",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", metavar="PATH")
    where.add_argument("--postgres", metavar="CONNINFO")
    args = parser.parse_args()
    insert = sqlite_inserter(args.sqlite) if args.sqlite else postgres_inserter(args.postgres)
    app = build_app(insert)
    if args.stock_waitress:
        waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads)
    else:
        serving = _serving_alone()
        serving.create_server(app, host="127.0.0.1", port=args.port, threads=args.threads).run()


def _serving_alone() -> ModuleType:
    """`pos_plugin/serving.py` without the package: importing `pos_plugin` would load
    SQLAlchemy and more into the baseline's memory, which the RSS row compares."""
    path = Path(__file__).resolve().parent.parent / "pos_plugin" / "serving.py"
    spec = importlib.util.spec_from_file_location("serving", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
