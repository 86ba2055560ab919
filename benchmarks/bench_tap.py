#!/usr/bin/env python
"""Tap benchmark: POST /api/v1/comps on our real app against a bare Flask baseline.

Both servers run under the server `pos-plugin serve` runs (waitress, see
`pos_plugin/serving.py`) on loopback, in background threads of this process,
and get the same taps over real HTTP (one keep-alive connection per client).
The baseline is the floor any tap endpoint pays on this machine: a Flask view
that parses the same JSON body and inserts one row into a table of similar
shape, on the same database with the same settings (SQLite: WAL,
synchronous=FULL, BEGIN IMMEDIATE). Machines are shared and noisy, so the
figures that matter are the RATIOS ours/baseline from one run, with the two
targets interleaved round by round so that noise hits both alike.

    .venv/bin/python benchmarks/bench_tap.py            # full run (300 taps per scenario)
    .venv/bin/python benchmarks/bench_tap.py --quick    # smoke run (~30 taps)

See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request

from pos_plugin import create_app, serving
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Comp, Role
from pos_plugin.money import Money
from pos_plugin.services import catalog, tokens
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store
from pos_plugin.settings import AllowanceSettings, ServerSettings, Settings, StoreSettings

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
LOOPBACK = "127.0.0.1"
DEFAULT_POSTGRES_URL = os.environ.get(
    "POS_PLUGIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HTTP_TIMEOUT_S = 10.0
# Large enough that no tap in any run is ever refused (the column is a 32-bit integer).
HUGE_ALLOWANCE = 1_000_000_000
ITEM_VALUE = 250
TAP_BODY = {
    "item_id": 0,  # filled in with the real catalog item id
    "note": "On the house - enjoy your day!",
    "customer_name": "Sam",
    "order_ref": "A-1042",
}


class Aborted(Exception):
    """The run hit its time bound or a target misbehaved; cleanup still runs."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise Aborted(f"time bound of {self.seconds:g}s reached (see --max-seconds)")


# -- counting what a tap costs in SQL -----------------------------------------------------


class SqlCounter:
    """Counts statements, commits, rollbacks and pool checkouts on one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.capture: list[str] | None = None
        # With pool_pre_ping every checkout also costs a ping (a round trip on PostgreSQL).
        self.pre_ping = bool(getattr(engine.pool, "_pre_ping", False))
        # The app runs most of a tap's statements on the driver connection, below
        # SQLAlchemy's events (pos_plugin/driver_sql.py). On SQLite the driver's trace
        # callback sees every statement; PostgreSQL's driver has none, so there only
        # what SQLAlchemy runs is seen (`profile_tap.py` counts its round trips).
        self.sees_driver = engine.dialect.name == "sqlite"
        if self.sees_driver:
            sa.event.listen(engine, "connect", self._trace)
            engine.dispose()  # the connections opened before were not traced
        else:
            sa.event.listen(engine, "before_cursor_execute", self._on_statement)
        sa.event.listen(engine, "commit", self._on("commit"))
        sa.event.listen(engine, "rollback", self._on("rollback"))
        sa.event.listen(engine.pool, "checkout", self._on("checkout"))

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(self._traced)

    def _traced(self, statement: str) -> None:
        if statement.split(None, 1)[0].upper() not in ("COMMIT", "ROLLBACK"):  # events count these
            self._on_statement(None, None, statement)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        with self._lock:
            self.counts["statement"] += 1
            if self.capture is not None:
                self.capture.append(" ".join(statement.split()))

    def _on(self, kind: str) -> Callable[..., None]:
        def count(*_: Any) -> None:
            with self._lock:
                self.counts[kind] += 1
                if self.capture is not None and kind != "checkout":
                    self.capture.append(kind.upper() + " (connection event)")

        return count

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)


# -- servers ------------------------------------------------------------------------------


class BackgroundServer:
    """The server `pos-plugin serve` runs, on a free loopback port, in a daemon thread,
    stoppable."""

    def __init__(self, app: Flask, name: str, threads: int) -> None:
        self.server: Any = serving.create_server(app, host=LOOPBACK, port=0, threads=threads)
        self.port: int = int(self.server.effective_port)
        self.thread = threading.Thread(target=self.server.run, name=f"waitress-{name}", daemon=True)
        self.stopped = False

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        server = self.server

        def close_all() -> None:  # runs inside the server's own loop thread
            for dispatcher in list(server._map.values()):
                with contextlib.suppress(Exception):
                    dispatcher.close()

        if self.stopped:
            return
        self.stopped = True
        # Let requests in flight finish (they pull the trigger) before closing anything.
        server.task_dispatcher.shutdown(timeout=5)
        if self.thread.is_alive():
            server.trigger.pull_trigger(close_all)
            self.thread.join(timeout=5)
        else:
            close_all()


@dataclass
class Target:
    name: str  # "ours" or "baseline"
    port: int
    path: str
    headers: Callable[[], dict[str, str]]
    body: bytes
    counter: SqlCounter
    created: int = 0  # 201s answered
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tally(self, status: int, text: bytes) -> None:
        with self.lock:
            if status == 201:
                self.created += 1
            else:
                self.failures[f"{status}: {text[:160].decode(errors='replace')}"] += 1


def _settings(home: Path, database_url: str, threads: int) -> Settings:
    return Settings(
        home=home,
        source=None,
        database_url=database_url,
        store=StoreSettings(id="bench-cafe", name="Bench Cafe", currency="EUR"),
        allowance=AllowanceSettings(
            amount=HUGE_ALLOWANCE, max_comps=None, max_comps_per_staff=None
        ),
        server=ServerSettings(host=LOOPBACK, port=0, threads=threads),
    )


@dataclass
class Ours:
    app: Flask
    token: str
    item_id: int


def build_ours(home: Path, database_url: str, threads: int) -> Ours:
    """Our real app on a fresh database: store settings, one catalog item, one till token."""
    settings = _settings(home, database_url, threads)
    app = create_app({"SETTINGS": settings})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
        with write_transaction():
            item = catalog.add_item(
                SYSTEM,
                get_store(),
                name="Bench cookie",
                value=Money(ITEM_VALUE, "EUR"),
                icon="cookie",
                now=now,
            )
            item_id = item.id
        with write_transaction():
            _, secret = tokens.create_token(SYSTEM, role=Role.TILL, name="bench till", now=now)
        db.session.remove()
    return Ours(app=app, token=secret, item_id=item_id)


def ours_comp_count(app: Flask) -> int:
    with app.app_context():
        try:
            return int(db.session.scalar(sa.select(sa.func.count(Comp.id))) or 0)
        finally:
            db.session.remove()


def dispose_ours(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


baseline_metadata = sa.MetaData()
baseline_comp = sa.Table(
    "baseline_comp",
    baseline_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("value_amount", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("staff_id", sa.Integer),
    sa.Column("shift_id", sa.Integer, nullable=False),
    sa.Column("business_date", sa.Date, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("note", sa.String(280)),
    sa.Column("reason", sa.String(280)),
    sa.Column("customer_name", sa.String(80)),
    sa.Column("order_ref", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Index("ix_baseline_comp_shift_status", "shift_id", "status"),
)


def baseline_engine(database_url: str) -> sa.Engine:
    """A plain SQLAlchemy Core engine with the same SQLite tuning as ours."""
    engine = sa.create_engine(database_url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 10000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def build_baseline(engine: sa.Engine) -> Flask:
    """The floor: parse the same JSON body, insert one row, answer 201 with it."""
    baseline_metadata.create_all(engine)
    app = Flask("bench_baseline")
    insert = baseline_comp.insert()

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
        with engine.begin() as conn:
            conn.execute(insert, row)
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


def baseline_row_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(baseline_comp)) or 0)


# -- clients ------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection to one target."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.conn = http.client.HTTPConnection(LOOPBACK, target.port, timeout=HTTP_TIMEOUT_S)

    def tap(self) -> float:
        """One tap; returns its latency in seconds."""
        headers = {"Content-Type": "application/json", **self.target.headers()}
        started = time.perf_counter()
        self.conn.request("POST", self.target.path, body=self.target.body, headers=headers)
        response = self.conn.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - started
        self.target.tally(response.status, text)
        if response.status != 201:
            raise Aborted(f"{self.target.name} answered {response.status}: {text[:300]!r}")
        return elapsed

    def close(self) -> None:
        self.conn.close()


def run_sequential(client: Client, taps: int, deadline: Deadline) -> tuple[list[float], float]:
    latencies = []
    started = time.perf_counter()
    for _ in range(taps):
        deadline.check()
        latencies.append(client.tap())
    return latencies, time.perf_counter() - started


def run_concurrent(
    target: Target, clients: int, taps_each: int, deadline: Deadline
) -> tuple[list[float], float]:
    connections = [Client(target) for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=HTTP_TIMEOUT_S)
            for _ in range(taps_each):
                deadline.check()
                results[index].append(connections[index].tap())
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(i,), name=f"client-{target.name}-{i}")
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=HTTP_TIMEOUT_S)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=deadline.seconds)
    wall = time.perf_counter() - started
    for connection in connections:
        connection.close()
    if errors:
        raise Aborted(f"a {target.name} client failed: {errors[0]!r}")
    return [latency for per_client in results for latency in per_client], wall


# -- statistics and output ----------------------------------------------------------------


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    round_p50: list[float] = field(default_factory=list)

    def add(self, latencies: list[float], wall: float) -> None:
        self.latencies += latencies
        self.wall += wall
        self.round_p50.append(statistics.median(latencies))

    def pct(self, p: int) -> float:
        """The p-th percentile in milliseconds."""
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[p - 1] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "taps": len(self.latencies),
            "p50_ms": round(self.pct(50), 3),
            "p95_ms": round(self.pct(95), 3),
            "p99_ms": round(self.pct(99), 3),
            "taps_per_s": round(self.throughput, 1),
            "wall_s": round(self.wall, 3),
        }


def fs_type(path: Path) -> str:
    """The file system a path lives on (fsync cost depends on it: tmpfs makes it free)."""
    best, kind = "", "unknown"
    with contextlib.suppress(OSError), open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            parts = line.split()
            if len(parts) >= 3 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def git_revision() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return out.stdout.strip() or None
    return None


def per_tap(after: Counter[str], before: Counter[str], taps: int) -> dict[str, float]:
    return {
        k: round((after[k] - before[k]) / taps, 2)
        for k in ("statement", "commit", "rollback", "checkout")
    }


# -- one backend --------------------------------------------------------------------------


@dataclass
class Options:
    n: int
    rounds: int
    clients: int
    threads: int
    warmup: int
    show_sql: bool
    deadline: Deadline


def split(total: int, parts: int) -> list[int]:
    """`total` taps spread over `parts` rounds as evenly as possible (each at least 1)."""
    base, extra = divmod(max(total, parts), parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def bench_backend(
    backend: str, ours_url: str, baseline_url: str, home: Path, opts: Options
) -> dict[str, Any]:
    """Serve both targets on one database kind and measure them, interleaved."""
    ours = build_ours(home, ours_url, opts.threads)
    with ours.app.app_context():
        ours_counter = SqlCounter(db.engine)
    base_engine = baseline_engine(baseline_url)
    base_counter = SqlCounter(base_engine)
    base_app = build_baseline(base_engine)
    servers = [
        BackgroundServer(ours.app, "bench-ours", opts.threads),
        BackgroundServer(base_app, "bench-baseline", opts.threads),
    ]
    body = json.dumps({**TAP_BODY, "item_id": ours.item_id}).encode()
    targets = [
        Target(
            name="ours",
            port=servers[0].port,
            path="/api/v1/comps",
            body=body,
            headers=lambda: {
                "Authorization": f"Bearer {ours.token}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            counter=ours_counter,
        ),
        Target(
            name="baseline",
            port=servers[1].port,
            path="/comps",
            body=body,
            headers=lambda: {"Idempotency-Key": str(uuid.uuid4())},
            counter=base_counter,
        ),
    ]
    clients: list[Client] = []
    try:
        for server in servers:
            server.start()
        clients = [Client(t) for t in targets]
        for client in clients:  # opens the shift, fills caches, warms connections
            run_sequential(client, opts.warmup, opts.deadline)

        sql_one_tap: dict[str, list[str]] = {}
        for client in clients:
            client.target.counter.capture = []
            client.tap()
            time.sleep(0.05)  # the request's teardown runs just after the answer is sent
            sql_one_tap[client.target.name] = client.target.counter.capture or []
            client.target.counter.capture = None

        sequential = {t.name: Measured() for t in targets}
        sql_before = {t.name: t.counter.snapshot() for t in targets}
        for index, taps in enumerate(split(opts.n, opts.rounds)):
            order = clients if index % 2 == 0 else clients[::-1]
            for client in order:
                sequential[client.target.name].add(*run_sequential(client, taps, opts.deadline))
        sql = {t.name: per_tap(t.counter.snapshot(), sql_before[t.name], opts.n) for t in targets}

        concurrent = {t.name: Measured() for t in targets}
        for index, taps in enumerate(split(opts.n, opts.rounds)):
            for target in targets if index % 2 == 0 else targets[::-1]:
                taps_each = max(1, math.ceil(taps / opts.clients))
                concurrent[target.name].add(
                    *run_concurrent(target, opts.clients, taps_each, opts.deadline)
                )
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
        recorded = {"ours": ours_comp_count(ours.app), "baseline": baseline_row_count(base_engine)}
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
        dispose_ours(ours.app)
        base_engine.dispose()
    answered = {t.name: t.created for t in targets}
    failures = {t.name: dict(t.failures) for t in targets if t.failures}

    seq_o, seq_b = sequential["ours"], sequential["baseline"]
    con_o, con_b = concurrent["ours"], concurrent["baseline"]
    return {
        "backend": backend,
        "sequential": {name: m.summary() for name, m in sequential.items()},
        "concurrent": {name: m.summary() for name, m in concurrent.items()},
        "clients": opts.clients,
        "ratios": {
            "p50": seq_o.pct(50) / seq_b.pct(50),
            "p95": seq_o.pct(95) / seq_b.pct(95),
            "concurrent_throughput": con_o.throughput / con_b.throughput,
            "p50_per_round": [o / b for o, b in zip(seq_o.round_p50, seq_b.round_p50, strict=True)],
        },
        "sql_per_tap": sql,
        "pre_ping": {t.name: t.counter.pre_ping for t in targets},
        "sees_driver": {t.name: t.counter.sees_driver for t in targets},
        "sql_one_tap": sql_one_tap,
        "answered_201": answered,
        "recorded": recorded,
        "failures": failures,
        "verified": answered["ours"] == recorded["ours"] and not failures,
    }


# -- PostgreSQL: a throwaway schema -------------------------------------------------------


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL cannot be used for this run, or None when it can."""
    host = sa.make_url(url).host or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        return f"{host!r} is not loopback; this benchmark only talks to loopback"
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return f"no PostgreSQL reachable at {url}: {first_line}"
    return None


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards; yields a URL whose search_path points into it."""
    admin = sa.create_engine(url, connect_args={"connect_timeout": 3})
    name = f"bench_tap_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield (
            sa.make_url(url)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


# -- main ---------------------------------------------------------------------------------


def print_report(results: list[dict[str, Any]], skipped: dict[str, str], show_sql: bool) -> None:
    header = (
        f"{'backend':<11}{'scenario':<13}{'target':<10}{'taps':>6}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'taps/s':>9}"
    )
    print()
    if results:
        print(header)
        print("-" * len(header))
    for result in results:
        for key, label in (
            ("sequential", "sequential"),
            ("concurrent", f"{result['clients']} clients"),
        ):
            for target, s in result[key].items():
                print(
                    f"{result['backend']:<11}{label:<13}{target:<10}{s['taps']:>6}"
                    f"{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['p99_ms']:>9.2f}"
                    f"{s['taps_per_s']:>9.1f}"
                )
    print()
    for result in results:
        backend = result["backend"]
        for target, per in result["sql_per_tap"].items():
            print(
                f"{backend} statements per tap, {target}: {per['statement']:g} SQL "
                f"+ {per['commit']:g} commit + {per['rollback']:g} rollback, "
                f"{per['checkout']:g} pool checkouts"
                + (" (each pinged: pool_pre_ping)" if result["pre_ping"][target] else "")
                + ("" if result["sees_driver"][target] else " (SQLAlchemy's only)")
            )
        per_round = result["ratios"]["p50_per_round"]
        middle = statistics.median(per_round)
        print(
            f"{backend} p50 ratio per round (noise check): median {middle:.2f}, "
            f"range {min(per_round):.2f}-{max(per_round):.2f} over {len(per_round)} rounds"
        )
        ok = "OK" if result["verified"] else "MISMATCH"
        print(
            f"{backend} verify: ours answered {result['answered_201']['ours']} x 201 and "
            f"recorded {result['recorded']['ours']} comps: {ok}; baseline answered "
            f"{result['answered_201']['baseline']}, stored {result['recorded']['baseline']}"
        )
        for target, failures in result["failures"].items():
            for text, count in failures.items():
                print(f"{backend} {target} non-201 x{count}: {text}")
        if show_sql:
            for target, statements in result["sql_one_tap"].items():
                print(f"{backend} SQL of one tap, {target}:")
                for statement in statements:
                    print(f"    {statement[:150]}")
    print()
    for result in results:
        r = result["ratios"]
        print(
            f"ratio {result['backend']} p50 ours/baseline = {r['p50']:.2f}x; "
            f"p95 = {r['p95']:.2f}x; {result['clients']}-client throughput "
            f"ours/baseline = {r['concurrent_throughput']:.2f}x"
        )
    for backend, reason in skipped.items():
        print(f"ratio {backend} skipped: {reason}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Tap latency/throughput of our app as ratios against a bare Flask baseline."
    )
    parser.add_argument("--n", type=int, default=300, help="taps per target per scenario")
    parser.add_argument("--quick", action="store_true", help="smoke run: 30 taps, 3 rounds")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument(
        "--threads",
        type=int,
        default=ServerSettings().threads,
        help="waitress threads per server (default: the app's default)",
    )
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="loopback PostgreSQL (a throwaway schema is created in it)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop the whole run after this long (default 600)",
    )
    parser.add_argument(
        "--tmpdir", default=None, help="where the SQLite files go (default: TMPDIR)"
    )
    parser.add_argument("--show-sql", action="store_true", help="print the SQL of one tap")
    parser.add_argument(
        "--no-json", action="store_true", help="do not write benchmarks/results/bench_tap-*.json"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.rounds = min(args.n, 30), min(args.rounds, 3)
    if args.n < 1 or args.rounds < 1 or args.clients < 1 or args.threads < 1:
        parser.error("--n, --rounds, --clients and --threads must be at least 1")
    args.rounds = min(args.rounds, args.n)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    opts = Options(
        n=args.n,
        rounds=args.rounds,
        clients=args.clients,
        threads=args.threads,
        warmup=5 if args.quick else 20,
        show_sql=args.show_sql,
        deadline=Deadline(args.max_seconds),
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_tap_", dir=args.tmpdir))
    print(
        f"bench_tap: {opts.n} taps per target per scenario in {opts.rounds} interleaved rounds, "
        f"{opts.clients} concurrent clients, waitress threads={opts.threads}, "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(f"sqlite files in {tmp} ({fs_type(tmp)}: fsync cost depends on it)")
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    status = 0
    try:
        if args.backend in ("all", "sqlite"):
            print("measuring sqlite ...", flush=True)
            results.append(
                bench_backend(
                    "sqlite",
                    f"sqlite:///{tmp / 'ours.db'}",
                    f"sqlite:///{tmp / 'baseline.db'}",
                    tmp / "home-sqlite",
                    opts,
                )
            )
        if args.backend in ("all", "postgresql"):
            problem = postgres_problem(args.postgres_url)
            if problem is not None:
                skipped["postgresql"] = problem
                print(f"postgresql skipped: {problem}")
            else:
                print("measuring postgresql ...", flush=True)
                with postgres_schema(args.postgres_url) as url:
                    results.append(bench_backend("postgresql", url, url, tmp / "home-pg", opts))
    except Aborted as exc:
        print(f"bench_tap aborted: {exc}", file=sys.stderr)
        status = 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if results or skipped:
        print_report(results, skipped, args.show_sql)
    if any(not r["verified"] for r in results):
        print(
            "bench_tap: ours did not record exactly the comps it answered 201 for", file=sys.stderr
        )
        status = 1
    if results and not args.no_json:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"bench_tap-{stamp}.json"
        meta = {
            "when": stamp,
            "git": git_revision(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "n": opts.n,
            "rounds": opts.rounds,
            "clients": opts.clients,
            "threads": opts.threads,
            "quick": args.quick,
            "sqlite_fs": fs_type(tmp.parent),
        }
        path.write_text(
            json.dumps({"meta": meta, "results": results, "skipped": skipped}, indent=2) + "\n",
            encoding="utf-8",
        )
        print(f"results written to {path.relative_to(HERE.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
