#!/usr/bin/env python
"""Where the tap's CPU goes by layer: the same tap through three apps, called directly.

Each app is a WSGI app called in-process as a server calls it (an environ in,
the answer read out; no sockets, so no server's cost), on SQLite with WAL and
`synchronous=FULL`, and each request inserts one comp:

- `bare`: `baseline_app.py`'s app, Flask and one raw `sqlite3` INSERT, as
  `make bench` measures it;
- `stack`: the same insert behind the layers our API stands on, Flask with
  flask-smorest, webargs and marshmallow, the tap's own schemas (the body and
  the Idempotency-Key header in, the comp out) and our error handling and
  security headers, as `create_app` sets them up; no token, allowance,
  idempotency or audit;
- `ours`: the real app and the real tap.

Rounds alternate the three, and the CPU time per request (`time.process_time`)
of the best round is printed with each ratio against `bare`: the share of our
CPU the stack takes before our own code runs.

    .venv/bin/python benchmarks/stack_floor.py            # 3,000 requests per app per round
    .venv/bin/python benchmarks/stack_floor.py --n 500 --rounds 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask_smorest import Blueprint

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_app
from bench_tap import TAP_BODY, build_ours, dispose_ours
from bench_tap import _settings as bench_settings
from profile_tap import direct_tap

from pos_plugin import create_app
from pos_plugin.api.errors import WITH_BODY, documents
from pos_plugin.api.schemas import CompCreateSchema, CompSchema, IdempotencyHeaderSchema
from pos_plugin.database import transient
from pos_plugin.models import CatalogItem, Comp, CompStatus

Tap = Callable[[], None]


def stack_app(home: Path, insert: Callable[[dict[str, Any]], None]) -> Flask:
    """Our app's set-up (settings, error handling, security headers, the API) with one
    more endpoint: the tap's schemas around the bare insert."""
    app = create_app({"SETTINGS": bench_settings(home, f"sqlite:///{home}/stack-app.db", 1)})
    item = transient(CatalogItem, {"id": 1, "name": "Bench cookie"})
    blp = Blueprint("floor", __name__, url_prefix="/api/v1/floor")

    @blp.post("")
    @blp.arguments(IdempotencyHeaderSchema(), location="headers")
    @blp.arguments(CompCreateSchema())
    @blp.response(201, CompSchema)
    @documents(blp, *WITH_BODY)
    def tap(headers: dict[str, Any], body: dict[str, Any]) -> tuple[Comp, int, dict[str, str]]:
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4(),
            "item_id": body["item_id"],
            "value_amount": baseline_app.ITEM_VALUE,
            "currency": "EUR",
            "staff_id": body["staff_id"],
            "shift_id": 1,
            "business_date": now.date(),
            "created_at": now,
            "created_by": "till token 'bench till'",
            "note": body["note"],
            "reason": body["reason"],
            "customer_name": body["customer_name"],
            "order_ref": body["order_ref"],
            "status": "active",
            "idempotency_key": headers["idempotency_key"],
        }
        insert(row)
        comp = transient(
            Comp,
            {
                **{key: row[key] for key in row if key not in ("status", "idempotency_key")},
                "status": CompStatus.ACTIVE,
                "item": item,
            },
        )
        return comp, 201, {"Location": f"/api/v1/floor/{row['id']}"}

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
    return app


def cpu_per_tap(tap: Tap, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        tap()
    return (time.process_time() - started) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="requests per app per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        home = Path(where)
        bare = baseline_app.build_app(baseline_app.sqlite_inserter(str(home / "bare.db")))
        stack = stack_app(home / "stack", baseline_app.sqlite_inserter(str(home / "stack.db")))
        ours = build_ours(home / "ours", f"sqlite:///{home}/ours.db", threads=1)
        body = {**TAP_BODY, "item_id": 1}
        taps = {
            "bare": direct_tap(bare, body, {}, "/comps"),
            # A bearer header, as a till sends: no session, no CSRF check (nothing reads it).
            "stack": direct_tap(stack, body, {"Authorization": "Bearer x"}, "/api/v1/floor"),
            "ours": direct_tap(
                ours.app,
                {**TAP_BODY, "item_id": ours.item_id},
                {"Authorization": f"Bearer {ours.token}"},
            ),
        }
        best = {name: float("inf") for name in taps}
        for tap in taps.values():  # warm up: caches, plans, first connections
            cpu_per_tap(tap, 200)
        for round_ in range(args.rounds):
            order = list(taps)[round_ % 3 :] + list(taps)[: round_ % 3]
            for name in order:
                best[name] = min(best[name], cpu_per_tap(taps[name], args.n))
        dispose_ours(ours.app)
    print(f"CPU per tap, called directly (best of {args.rounds} rounds of {args.n}):")
    for name, cpu in best.items():
        print(f"  {name:<6} {cpu * 1e6:7.0f} us  {cpu / best['bare']:5.2f}x bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
