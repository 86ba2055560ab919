"""`make bench`: the tap as a store feels it, beside a bare Flask insert in the same run.

The machines are shared and noisy, so every row is a figure or a ratio against a
baseline measured in the same run; this is never a timed test. For each database
(SQLite; PostgreSQL in a throwaway schema), the real `pos-plugin serve` and the
bare app (bare_app.py) on the same server (cheroot) run side by side, tapped
over HTTP by a load generator in its own process (loadgen.py); every step goes
round all of them in turn, so a burst of noise on the machine hits them alike.
The store is set up as a shop would (store.py).

- a rush: 50 taps/s offered for 60 s from 16 clients, open loop; p99 <= 50 ms and
  no errors;
- closed loop at 1, 8 and 32 clients: taps/s and p99, the bare app's beside (context);
- SQLite only: RSS of `serve` after 10,000 taps against the bare app after as many,
  and `serve`'s start to its first 200 on /healthz against `python -c "import
  flask_sqlalchemy"` (best of several alternated starts).

    make bench          # the full plan; a JSON result in benchmarks/results/
    make bench-quick    # a tiny plan that proves the machinery works (CI)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import report
import sqlalchemy as sa
import store

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
POSTGRES_URL = os.environ.get(
    "POS_PLUGIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_CONNINFO = sa.make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
SERVERS = ("cheroot",)  # serving.py's; waitress was measured beside it: benchmarks/README.md
TAP = {"note": "On the house - enjoy your day!", "customer_name": "Sam", "order_ref": "A-1042"}


@dataclass(frozen=True)
class Plan:
    rush: tuple[float, float, int]  # taps/s offered, seconds, clients
    closed: dict[int, int]  # taps per round, by clients
    rounds: int
    rss_taps: int
    startups: int
    check_seconds: float  # the generator offers 4x the rush's rate to a stub this long
    warm_up: int  # untimed taps before the first figure


FULL = Plan((50, 60, 16), {1: 300, 8: 1000, 32: 1600}, 2, 10_000, 7, 5, 200)
QUICK = Plan((20, 1, 4), {1: 10, 8: 40, 32: 64}, 1, 200, 1, 1, 20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_field(pid: int, name: str) -> list[str]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split()[1:]
    raise SystemExit(f"no {name} for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


@dataclass
class Target:
    """A server process under test; `answered` counts its 201s, warm-ups included."""

    name: str
    command: list[str]
    env: dict[str, str]
    path: str
    body: dict[str, Any]
    headers: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    answered: int = 0

    def start(self, log: Path) -> float:
        """Starts the server; returns the seconds until /healthz answered 200."""
        self.port = free_port()
        started = time.perf_counter()
        with log.open("ab") as sink:  # a file, not a pipe: a full pipe would stall it
            self.process = subprocess.Popen(
                [*self.command, "--port", str(self.port)],
                env={**os.environ, **self.env},
                stdout=sink,
                stderr=sink,
            )
        while time.perf_counter() - started < 60 and self.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return time.perf_counter() - started
            time.sleep(0.005)
        self.stop()
        raise SystemExit(f"{self.name}: no 200 on /healthz within 60 s; see {log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def load(self, *plan: str, clients: int) -> dict[str, Any]:
        """One loadgen run; its result, with this server's CPU time over the run."""
        assert self.process is not None
        command = [sys.executable, str(HERE / "loadgen.py"), "--port", str(self.port)]
        command += ["--path", self.path, "--body", json.dumps(self.body), *plan]
        command += ["--clients", str(clients)]
        for header in self.headers:
            command += ["--header", header]
        cpu = cpu_seconds(self.process.pid)
        done = subprocess.run(command, capture_output=True, check=True, text=True)
        result: dict[str, Any] = json.loads(done.stdout)
        result["server_cpu_s"] = cpu_seconds(self.process.pid) - cpu
        self.answered += result["sent"] + clients - sum(result["errors"].values())
        return result


def summary(result: dict[str, Any]) -> dict[str, Any]:
    latencies, wall = result["latencies_ms"], result["wall_s"]
    return {
        "taps_per_s": result["sent"] / wall,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
        "late_p99_ms": percentile(result["late_ms"], 0.99),
        "errors": result["errors"],
        "server_cpu_ms_per_tap": 1000 * result["server_cpu_s"] / max(1, result["sent"]),
        "loadgen_cpu_share": result["cpu_s"] / wall,
    }


def rush(target: Target, plan: Plan) -> dict[str, Any]:
    rate, seconds, clients = plan.rush
    return summary(target.load("--rate", str(rate), "--seconds", str(seconds), clients=clients))


def closed(targets: list[Target], plan: Plan) -> dict[str, dict[int, dict[str, Any]]]:
    """Each client count in rounds, alternating which target goes first."""
    raw: dict[str, dict[int, list[dict[str, Any]]]] = {t.name: {} for t in targets}
    for clients, taps in plan.closed.items():
        for round_ in range(plan.rounds):
            for target in targets if round_ % 2 == 0 else targets[::-1]:
                result = target.load("--taps", str(taps), clients=clients)
                raw[target.name].setdefault(clients, []).append(result)
    merged: dict[str, dict[int, dict[str, Any]]] = {}
    for name, by_clients in raw.items():
        merged[name] = {}
        for clients, results in by_clients.items():
            both: dict[str, Any] = {
                key: [x for r in results for x in r[key]] for key in ("latencies_ms", "late_ms")
            }
            both |= {key: sum(r[key] for r in results) for key in ("sent", "wall_s", "cpu_s")}
            both["server_cpu_s"] = sum(r["server_cpu_s"] for r in results)
            both["errors"] = sum((Counter(r["errors"]) for r in results), Counter[str]())
            merged[name][clients] = summary(both)
    return merged


def startup(serves: list[Target], times: int, log: Path) -> dict[str, float]:
    """Best of `times` alternated starts: the machine's noise only ever adds time."""
    runs: dict[str, list[float]] = {"import": [], **{t.name: [] for t in serves}}
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import flask_sqlalchemy"], check=True)
        runs["import"].append(time.perf_counter() - started)
        for serve in serves:
            runs[serve.name].append(serve.start(log))
            serve.stop()
    return {key: min(seconds) for key, seconds in runs.items()}


def generator_check(plan: Plan, log: Path) -> dict[str, Any]:
    """The generator offering 4x the rush's rate to a stub that answers at once."""
    stub = Target("stub", [sys.executable, str(HERE / "loadgen.py"), "--stub"], {}, "/", {})
    stub.start(log)
    try:
        rate, _, clients = plan.rush
        args = ("--rate", str(4 * rate), "--seconds", str(plan.check_seconds))
        return {"offered_per_s": 4 * rate, **summary(stub.load(*args, clients=clients))}
    finally:
        stub.stop()


@contextlib.contextmanager
def database(backend: str, tmp: Path, name: str) -> Iterator[str]:
    """A SQLite file, or a PostgreSQL schema dropped afterwards; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / name}.db"
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = sa.make_url(POSTGRES_URL).update_query_dict(
                {"options": f"-csearch_path={schema}"}
            )
            yield url.render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def comps_recorded(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text("SELECT count(*) FROM comp")) or 0)
    finally:
        engine.dispose()


def bench_backend(backend: str, servers: list[str], plan: Plan, tmp: Path) -> dict[str, Any]:
    """One store and one bare database, each served by every server side by side; every
    step goes round all of them in turn, so a burst of noise hits them alike."""
    with database(backend, tmp, "ours") as ours_url, database(backend, tmp, "bare") as bare_url:
        shop = store.create(tmp / f"home-{backend}", ours_url)
        targets: list[Target] = []
        for server in servers:
            ours = Target(f"ours@{server}", [store.POS_PLUGIN, "serve"], {}, "/api/v1/comps", {})
            ours.env = shop.env
            ours.headers = [f"Authorization: Bearer {shop.token}"]
            bare = [sys.executable, str(HERE / "bare_app.py"), "--url", bare_url]
            targets += [ours, Target(f"bare@{server}", bare, {}, "/comps", {})]
        log = tmp / f"{backend}.log"
        # The console's pages load templates and more into the process that serves them:
        # one that is not measured adds the item.
        setup = Target("setup", targets[0].command, targets[0].env, "", {})
        setup.start(log)
        try:
            shop = store.add_item(shop, f"http://127.0.0.1:{setup.port}")
        finally:
            setup.stop()
        try:
            for target in targets:
                target.start(log)
            for target in targets:  # warm-up: opens the shift, fills the caches
                target.body = {"item_id": shop.item_id, **TAP}
                target.load("--taps", str(plan.warm_up), clients=4)
            print(f"  {backend}: the rush ...", flush=True)
            report: dict[str, Any] = {"rush": {t.name: rush(t, plan) for t in targets}}
            print(f"  {backend}: closed loop ...", flush=True)
            report["closed"] = closed(targets, plan)
            if backend == "sqlite":
                report["rss"] = rss_after(targets, plan.rss_taps)
        finally:
            for target in targets:
                target.stop()
        serves = [t for t in targets if t.name.startswith("ours")]
        if backend == "sqlite":
            print(f"  {backend}: start-up ...", flush=True)
            report["startup"] = startup(serves, plan.startups, log)
        recorded, answered = comps_recorded(ours_url), sum(t.answered for t in serves)
    if recorded != answered:
        raise SystemExit(f"{backend}: serve answered {answered} x 201 but recorded {recorded}")
    print(f"  {backend}: serve answered {answered} x 201 and recorded as many comps")
    return report


def rss_after(targets: list[Target], taps: int) -> dict[str, Any]:
    """Each target's RSS once it has answered `taps` taps (topped up at 8 clients)."""
    sizes: dict[str, Any] = {}
    for target in targets:
        if target.answered < taps:
            target.load("--taps", str(taps - target.answered), clients=8)
        assert target.process is not None
        mib = int(proc_field(target.process.pid, "VmRSS")[0]) / 1024
        sizes[target.name] = {"mib": mib, "taps": target.answered}
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny plan: proves it runs")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    servers = list(SERVERS)
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    if "postgresql" in backends:
        try:
            psycopg.connect(POSTGRES_CONNINFO, connect_timeout=3).close()
        except psycopg.Error as exc:  # say so and go on: SQLite alone still means something
            print(f"postgresql skipped: {exc}".strip())
            backends.remove("postgresql")
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"plan: {asdict(plan)}; files in {tmp}", flush=True)
    results: dict[str, Any] = {"when": when, "plan": asdict(plan), "servers": servers}
    results["git"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    results["generator_check"] = generator_check(plan, tmp / "stub.log")
    results["backends"] = {b: bench_backend(b, servers, plan, tmp) for b in backends}
    results["table"] = report.rows(results)
    report.print_report(results)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"bench-{when}.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
