#!/usr/bin/env python
"""Where one tap's time goes: cProfile over in-process taps, grouped by package.

Runs N taps through Flask's test client (no server, no sockets) against the
real app on a fresh database, and prints Python function calls per tap (a
figure that does not move with the machine's noise), the time per tap, and the
share of time spent in each top-level package; on PostgreSQL also the round
trips to the server per tap, read from the driver's protocol trace.

With `--direct` the taps call the WSGI app itself, as a server does, without
the test client's own work, and the CPU time per tap is printed too (it leaves
out the waits for the disk and the network, so it moves less with the noise).

    .venv/bin/python benchmarks/profile_tap.py                 # SQLite, 2,000 taps
    .venv/bin/python benchmarks/profile_tap.py --backend postgresql --top 25
    .venv/bin/python benchmarks/profile_tap.py --direct
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tap import (
    DEFAULT_POSTGRES_URL,
    TAP_BODY,
    build_ours,
    dispose_ours,
    postgres_schema,
)

from pos_plugin.database import db


def package_of(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if "pos_plugin" in parts:
        return "pos_plugin"
    return "stdlib"


def round_trips(app: Any, tap: Callable[[], None], taps: int = 20, warm: int = 5) -> float:
    """Round trips per tap: how often the server answered after the client had sent,
    read from libpq's protocol trace of every connection the pool opens. The first
    `warm` taps are left out: on a new connection they also prepare its statements."""
    with tempfile.TemporaryFile("w+") as trace, app.app_context():
        db.engine.dispose()

        def traced(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())

        sa.event.listen(db.engine, "connect", traced)
        try:
            for _ in range(warm):
                tap()
            start = os.fstat(trace.fileno()).st_size
            for _ in range(taps):
                tap()
            db.session.remove()
            db.engine.dispose()  # closes the traced connections
        finally:
            sa.event.remove(db.engine, "connect", traced)
        trace.seek(start)
        directions = [line.split("\t")[1] for line in trace if line.count("\t") >= 2]
    answered = sum(1 for sent, got in itertools.pairwise(directions) if (sent, got) == ("F", "B"))
    return answered / taps


def direct_tap(
    app: Any, body: dict[str, Any], headers: dict[str, str], path: str = "/api/v1/comps"
) -> Callable[[], None]:
    """A tap as a WSGI server makes it: an environ in, the app's answer read out, with a
    fresh Idempotency-Key each time."""
    raw = json.dumps(body).encode()
    fixed = EnvironBuilder(
        path=path,
        method="POST",
        base_url="http://127.0.0.1:5000",
        data=raw,
        content_type="application/json",
        headers=list(headers.items()),
    ).get_environ()
    status: list[str] = []

    def start_response(answer: str, _headers: Any, _exc_info: Any = None) -> None:
        status.append(answer)

    def tap() -> None:
        environ = {
            **fixed,
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
            "wsgi.input": io.BytesIO(raw),
        }
        answer = app(environ, start_response)
        try:
            text = b"".join(answer)
        finally:
            answer.close()
        got = status.pop()
        assert got.startswith("201"), f"{path} refused the tap: {got} {text[:300]!r}"

    return tap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions")
    parser.add_argument("--sort", default="tottime", help="order of --top: tottime, cumulative")
    parser.add_argument("--filter", action="append", default=[], help="only functions matching")
    parser.add_argument("--direct", action="store_true", help="call the WSGI app, not the client")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        home = stack.enter_context(tempfile.TemporaryDirectory())
        if args.backend == "sqlite":
            url = f"sqlite:///{home}/profile.db"
        else:
            url = stack.enter_context(postgres_schema(args.postgres_url))
        ours = build_ours(Path(home), url, threads=1)
        client = ours.app.test_client()
        headers = {"Authorization": f"Bearer {ours.token}"}
        body = {**TAP_BODY, "item_id": ours.item_id}

        def tap() -> None:
            response = client.post(
                "/api/v1/comps",
                json=body,
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert response.status_code == 201, response.get_data(as_text=True)

        if args.direct:
            tap = direct_tap(ours.app, body, headers)

        for _ in range(100):
            tap()
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            tap()
        wall = (time.perf_counter() - started) / args.n
        cpu = (time.process_time() - cpu_started) / args.n
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            tap()
        profiler.disable()
        trips = round_trips(ours.app, tap) if args.backend == "postgresql" else None
        dispose_ours(ours.app)
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[package_of(filename)] += tottime
    total = sum(by_package.values())
    if args.direct:
        print(
            f"{args.backend}: {stats.total_calls / args.n:,.0f} Python calls per tap, "  # type: ignore[attr-defined]
            f"{wall * 1000:.2f} ms and {cpu * 1000:.2f} ms of CPU per tap unprofiled "
            "(the WSGI app called directly)"
        )
    else:
        print(
            f"{args.backend}: {stats.total_calls / args.n:,.0f} Python calls per tap, "  # type: ignore[attr-defined]
            f"{wall * 1000:.2f} ms per tap unprofiled (test client, includes the commit)"
        )
    if trips is not None:
        print(f"  {trips:.1f} round trips to PostgreSQL per tap (protocol trace)")
    for package, spent in sorted(by_package.items(), key=lambda kv: -kv[1]):
        if spent / total >= 0.01:
            print(f"  {package:<20} {spent / total:6.1%}")
    if args.top:
        stats.sort_stats(args.sort).print_stats(*args.filter, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
