"""The baseline: a bare Flask + Flask-SQLAlchemy app that inserts one row per request.

`POST /comps` reads the tap's JSON body, adds one row of the comp's shape through
the session, commits and answers 201 with a small JSON body; `GET /healthz`
answers 200. It is served by the same stock server, with the same thread count and
the same call (pos_plugin/serving.py, loaded on its own), as `pos-plugin serve` in
the same run, and imports nothing else of ours: the RSS row compares `serve` with
this process. SQLite runs as ours does (WAL, `synchronous=FULL`, a busy timeout),
so the commit costs the same fsync.

    python bare_app.py --port 5001 --url sqlite:////tmp/bare.db
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

THREADS = 8  # as benchmarks/store.py configures `serve`


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BareComp(db.Model):  # type: ignore[name-defined]
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    item_id: Mapped[int]
    value_amount: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(sa.String(280))
    customer_name: Mapped[str | None] = mapped_column(sa.String(80))
    order_ref: Mapped[str | None] = mapped_column(sa.String(64))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))


def on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    with app.app_context():
        if url.startswith("sqlite"):
            sa.event.listen(db.engine, "connect", on_sqlite_connect)
        db.create_all()

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.post("/comps")
    def tap() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("item_id"), int):
            return jsonify(title="item_id is required"), 422
        comp = BareComp(
            item_id=body["item_id"],
            value_amount=250,
            currency="EUR",
            created_at=datetime.now(UTC),
            note=body.get("note"),
            customer_name=body.get("customer_name"),
            order_ref=body.get("order_ref"),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        db.session.add(comp)
        db.session.commit()
        answer = {"id": str(comp.id), "item_id": comp.item_id, "note": comp.note}
        return jsonify(answer), 201

    return app


def serving() -> ModuleType:
    """pos_plugin/serving.py on its own: `serve`'s exact server, and nothing else of ours
    (importing the package would load it all into this process)."""
    path = Path(__file__).resolve().parent.parent / "pos_plugin" / "serving.py"
    spec = importlib.util.spec_from_file_location("serving", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serving"] = module  # where dataclasses look its annotations up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url", required=True, help="a SQLAlchemy database URL")
    args = parser.parse_args()
    app = create_app(args.url)
    serving().create_server(app, host="127.0.0.1", port=args.port, threads=THREADS).run()


if __name__ == "__main__":
    main()
