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
- `ours`: the real app and the real tap;
- `plain`: the real app and the real tap service behind a plain Flask view
  that reads the request and writes the answer by hand, with no flask-smorest,
  webargs or marshmallow at run time. It checks only that `item_id` is a whole
  number, so it is an upper bound on what taking the API's stack off the tap's
  path (and writing its validation a second time, beside the schemas that
  document it) could buy: a figure for that decision, not an endpoint.

Rounds alternate the four, and the CPU time per request (`time.process_time`)
of the best round is printed with each ratio against `bare`: the share of our
CPU the stack takes before our own code runs.

    .venv/bin/python benchmarks/stack_floor.py            # 3,000 requests per app per round
    .venv/bin/python benchmarks/stack_floor.py --n 500 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_smorest import Blueprint

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_app
from bench_tap import TAP_BODY, build_ours, dispose_ours
from bench_tap import _settings as bench_settings
from profile_tap import direct_tap

from pos_plugin import create_app
from pos_plugin.api.auth import current_actor, now
from pos_plugin.api.errors import WITH_BODY, documents
from pos_plugin.api.schemas import CompCreateSchema, CompSchema, IdempotencyHeaderSchema
from pos_plugin.database import transient, write_transaction
from pos_plugin.models import CatalogItem, Comp, CompStatus
from pos_plugin.services import comps

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


def add_plain_tap(app: Flask) -> str:
    """The real tap behind a view with no API stack (see `plain` above); returns its path."""

    def plain() -> Response:
        body = request.get_json()
        if not isinstance(body.get("item_id"), int):
            return Response("item_id: Not a valid integer.", 422)
        body.pop("over_allowance", None)
        with write_transaction():
            result = comps.record_comp(
                current_actor(),
                None,
                comps.CompRequest(**body),
                now(),
                request.headers.get("Idempotency-Key"),
            )
        comp = result.comp
        answer = {
            "id": str(comp.id),
            "item_id": comp.item_id,
            "item_name": comp.item.name,
            "value": {"amount": comp.value_amount, "currency": comp.currency},
            "shift_id": comp.shift_id,
            "business_date": comp.business_date.isoformat(),
            "staff_id": comp.staff_id,
            "created_at": comp.created_at.isoformat(),
            "note": comp.note,
            "customer_name": comp.customer_name,
            "reason": comp.reason,
            "order_ref": comp.order_ref,
            "breakdown_id": comp.breakdown_id,
            "approved_by_id": comp.approved_by_id,
            "status": comp.status.value,
            "voided_at": None,
            "void_reason": None,
        }
        return Response(
            json.dumps(answer),
            201,
            {"Location": f"/api/v1/comps/{comp.id}"},
            mimetype="application/json",
        )

    path = "/api/v1/plain-tap"
    app.add_url_rule(path, view_func=plain, methods=["POST"])
    return path


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
        plain_path = add_plain_tap(ours.app)
        body = {**TAP_BODY, "item_id": 1}
        ours_body = {**TAP_BODY, "item_id": ours.item_id}
        ours_headers = {"Authorization": f"Bearer {ours.token}"}
        taps = {
            "bare": direct_tap(bare, body, {}, "/comps"),
            # A bearer header, as a till sends: no session, no CSRF check (nothing reads it).
            "stack": direct_tap(stack, body, {"Authorization": "Bearer x"}, "/api/v1/floor"),
            "ours": direct_tap(ours.app, ours_body, ours_headers),
            "plain": direct_tap(ours.app, ours_body, ours_headers, plain_path),
        }
        best = {name: float("inf") for name in taps}
        for tap in taps.values():  # warm up: caches, plans, first connections
            cpu_per_tap(tap, 200)
        for round_ in range(args.rounds):
            order = list(taps)[round_ % len(taps) :] + list(taps)[: round_ % len(taps)]
            for name in order:
                best[name] = min(best[name], cpu_per_tap(taps[name], args.n))
        dispose_ours(ours.app)
    print(f"CPU per tap, called directly (best of {args.rounds} rounds of {args.n}):")
    for name, cpu in best.items():
        print(f"  {name:<6} {cpu * 1e6:7.0f} us  {cpu / best['bare']:5.2f}x bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
