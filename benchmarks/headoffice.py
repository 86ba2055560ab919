"""`make bench-headoffice`: head office ingest and its overview page at chain scale.

A chain of N stores x D days (`headoffice_chain.py`: the product's own export and
signing) is ingested into fresh head office databases, and each figure is printed
beside a baseline measured in the same run, on the same database:

- ingest rows/s, one process, against plain `COPY` of the same comps CSV files into
  an unindexed table, a COPY a file, both on the sets of the chain's first
  `--sample` stores: committed after every file (the baseline the targets were set
  against, when ingest committed every set), and after every `ingest.BATCH_SETS`
  files (as ingest now commits a batch of sets);
- 4 ingest processes (each its own share of the stores) against 1, on the same sets;
- the peak RSS of one process ingesting one set of 300,000 comps (target 150 MB);
- the overview page (`GET /` over the chain's days, through the app, the whole chain
  loaded) against a bare `count(*)`/`sum` over the same rows.

`--also URL` runs the same again on another database (say a Citus coordinator) and
prints the two side by side, with each database's totals, which must be equal.
Figures on this shared 2-core machine vary from run to run: read the ratios.

    .venv/bin/python benchmarks/headoffice.py            # 500 stores x 30 days, ~10 min
    .venv/bin/python benchmarks/headoffice.py --quick    # tiny: proves it runs
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import re
import resource
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import headoffice_chain
import psycopg
import sqlalchemy as sa

from pos_plugin.headoffice import database, distribute, ingest, partitions, stores, users
from pos_plugin.headoffice.models import UserRole
from pos_plugin.settings import Settings

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGETS = {"copy": 0.5, "parallel": 1.6, "rss_mb": 150.0}


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new schema on the database at `url`, dropped afterwards; the URL that uses it."""
    schema = f"bench_ho_{int(time.time() * 1000) % 10**9}_{multiprocessing.current_process().pid}"
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield (
                sa.make_url(url)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(False)
            )
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def prepare(url: str, chain: headoffice_chain.Chain, months: list[Any]) -> None:
    """Head office's schema, the chain's stores registered, and its months' partitions."""
    engine = database.open_database(url)
    # On a Citus coordinator the tables are split by store first; one PostgreSQL keeps them.
    with database.write_session(engine) as session, contextlib.suppress(distribute.NoCitus):
        distribute.distribute(session)
    with database.write_session(engine) as session:
        stores.add_stores(session, chain.stores, datetime.now(UTC))
    partitions.create(engine, months)
    engine.dispose()


def _worker(url: str, manifests: list[Path], quarantine: Path, start: Any) -> tuple[float, float]:
    engine = database.make_engine(url)
    start.wait()
    began = time.time()
    for outcome in ingest.ingest_all(engine, manifests, quarantine, lambda: datetime.now(UTC)):
        if outcome.status != ingest.INGESTED:
            raise SystemExit(f"{outcome.path.name}: {outcome.message}")
    engine.dispose()
    return began, time.time()


def ingest_with(url: str, chain: headoffice_chain.Chain, processes: int, tmp: Path) -> float:
    """Seconds from the first worker's start to the last one's end; each worker ingests
    whole stores, so no two wait on one store's lock."""
    by_store: dict[str, list[Path]] = {}
    for path in chain.manifests:
        by_store.setdefault(path.parent.name, []).append(path)
    shares: list[list[Path]] = [[] for _ in range(processes)]
    for n, paths in enumerate(by_store.values()):
        shares[n % processes] += paths
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(processes) as pool:
        start = manager.Barrier(processes)
        spans = pool.starmap(_worker, [(url, share, tmp / "q", start) for share in shares])
    return max(end for _, end in spans) - min(began for began, _ in spans)


def copy_floor(url: str, chain: headoffice_chain.Chain, every: int) -> float:
    """Plain COPY of every comps CSV of the chain into an unindexed table, a commit after
    every `every` files."""
    columns = ", ".join(headoffice_chain.manifest.COMPS_COLUMNS)
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    options = sa.make_url(url).query.get("options")
    with psycopg.connect(conninfo, options=str(options or "")) as connection:
        table = f"floor_comp_{every}"
        connection.execute(f"CREATE TABLE {table} AS SELECT {columns} FROM ho_comp WITH NO DATA")
        connection.commit()
        began = time.perf_counter()
        for n, path in enumerate(chain.manifests, start=1):
            comps = path.with_name(path.name.replace("manifest.json", "comps.csv"))
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
            ):
                copy.write(comps.read_bytes())
            if n % every == 0:
                connection.commit()
        connection.commit()
        return time.perf_counter() - began


def _peak_rss(url: str, manifest: Path, quarantine: Path) -> float:
    engine = database.make_engine(url)
    outcome = ingest.ingest(engine, manifest, quarantine, datetime.now(UTC))
    if outcome.status != ingest.INGESTED:
        raise SystemExit(f"{manifest.name}: {outcome.message}")
    engine.dispose()
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: Linux carries that over from the parent
    across fork and exec, so a child would report the RSS of the process that made the set."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def overview(url: str, tmp: Path, first: Any, last: Any, repeat: int) -> tuple[float, float]:
    """Median seconds of the overview page over the days, and of a bare count/sum."""
    from pos_plugin.headoffice.receiver import create_app

    engine = database.make_engine(url)
    app = create_app(Settings(home=tmp, source=None, database_url=url), engine)
    client = signed_in(app.test_client(), engine)
    page, bare = [], []
    for _ in range(repeat + 1):
        began = time.perf_counter()
        answer = client.get(f"/?from={first}&to={last}")
        page.append(time.perf_counter() - began)
        if answer.status_code != 200:
            raise SystemExit(f"the overview answered {answer.status_code}")
        began = time.perf_counter()
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT count(*), sum(value_amount) FROM ho_comp "
                f"WHERE business_date BETWEEN '{first}' AND '{last}'"
            ).one()
        bare.append(time.perf_counter() - began)
    engine.dispose()
    return statistics.median(page[1:]), statistics.median(bare[1:])


def signed_in(client: Any, engine: Any) -> Any:
    """A browser signed in as a viewer, as head office's pages require."""
    password = secrets.token_urlsafe(16)
    with database.write_session(engine) as session:
        users.add_user(session, "bench", UserRole.VIEWER, password, datetime.now(UTC))
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    if form is None:
        raise SystemExit("the sign-in page has no CSRF token")
    data = {"name": "bench", "password": password, "csrf_token": form[1]}
    answer = client.post("/signin", data=data)
    if answer.status_code != 302:
        raise SystemExit(f"signing in answered {answer.status_code}")
    return client


def totals(url: str) -> list[tuple[Any, ...]]:
    engine = database.make_engine(url)
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT currency, status, count(*), sum(value_amount) FROM ho_comp "
            "GROUP BY currency, status ORDER BY currency, status"
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


def run(url: str, work: dict[str, Any], tmp: Path, processes: int) -> dict[str, Any]:
    chain, sample, big = work["chain"], work["sample"], work["big"]
    months = [d.business_date for d in work["days"]]
    result: dict[str, Any] = {"rows": sample.rows, "stores": len(sample.stores)}
    with fresh_schema(url) as one:
        prepare(one, sample, months)
        result["copy_s"] = copy_floor(one, sample, 1)
        result["copy_batched_s"] = copy_floor(one, sample, ingest.BATCH_SETS)
        result["one_s"] = ingest_with(one, sample, 1, tmp)
    with fresh_schema(url) as many:
        prepare(many, sample, months)
        result["many_s"] = ingest_with(many, sample, processes, tmp)
    with fresh_schema(url) as whole:
        prepare(whole, chain, months)
        result["chain_s"] = ingest_with(whole, chain, processes, tmp)
        result["page_s"], result["bare_s"] = overview(
            whole, tmp, months[0], months[-1], work["repeat"]
        )
        result["totals"] = totals(whole)
    with fresh_schema(url) as single:
        prepare(single, big, months)
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            result["rss_mb"] = pool.apply(_peak_rss, (single, big.manifests[0], tmp / "q"))
        result["big_rows"] = big.rows
    result["chain_rows"], result["chain_stores"] = chain.rows, len(chain.stores)
    return result


def lines(url: str, r: dict[str, Any], processes: int) -> list[tuple[str, str]]:
    one, many, floor = r["rows"] / r["one_s"], r["rows"] / r["many_s"], r["rows"] / r["copy_s"]
    batched = r["rows"] / r["copy_batched_s"]
    return [
        ("database", sa.make_url(url).render_as_string(True)),
        (f"sample: {r['stores']} stores' sets, comps", f"{r['rows']:,}"),
        ("ingest, 1 process", f"{one:,.0f} rows/s"),
        ("plain COPY, same rows, a commit a file", f"{floor:,.0f} rows/s"),
        (f"  ratio (target >= {TARGETS['copy']}x)", f"{one / floor:.2f}x"),
        (f"plain COPY, a commit per {ingest.BATCH_SETS} files", f"{batched:,.0f} rows/s"),
        ("  ratio", f"{one / batched:.2f}x"),
        (f"ingest, {processes} processes", f"{many:,.0f} rows/s"),
        (f"  ratio to 1 (target >= {TARGETS['parallel']}x)", f"{many / one:.2f}x"),
        (
            f"whole chain, {r['chain_stores']} stores, {processes} processes",
            f"{r['chain_rows']:,} comps in {r['chain_s']:.0f} s",
        ),
        (f"peak RSS, one {r['big_rows']:,}-comp set", f"{r['rss_mb']:.0f} MB"),
        (f"  (target <= {TARGETS['rss_mb']:.0f} MB)", "met" if r["rss_mb"] <= 150 else "MISSED"),
        ("overview page, median", f"{r['page_s'] * 1000:.0f} ms"),
        ("bare count/sum, median", f"{r['bare_s'] * 1000:.0f} ms"),
        ("  ratio", f"{r['page_s'] / r['bare_s']:.2f}x"),
        ("totals (currency, status, comps, value)", "; ".join(map(str, r["totals"]))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=POSTGRES_URL, help="the PostgreSQL database")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="URL",
        help="run the same on this database too, printed beside",
    )
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument(
        "--sample", type=int, default=100, help="stores whose sets time 1 process, 4 and COPY"
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--comps", type=int, default=150, help="comps a store gives a day")
    parser.add_argument("--big", type=int, default=300_000, help="comps of the one big set")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="a tiny chain: proves it runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.stores, args.sample, args.days, args.comps, args.big = 8, 4, 3, 40, 5_000
    with tempfile.TemporaryDirectory(prefix="bench-ho-") as folder:
        tmp = Path(folder)
        began = time.perf_counter()
        template, days = headoffice_chain.template_days(tmp, args.days, args.comps)
        chain = headoffice_chain.write_chain(tmp / "chain", template, days, args.stores)
        work = {
            "days": days,
            "chain": chain,
            "sample": headoffice_chain.first_stores(chain, args.sample),
            "big": headoffice_chain.big_set(tmp / "big", template, days[0], args.big),
            "repeat": 3 if args.quick else 7,
        }
        print(
            f"chain of {args.stores} stores x {args.days} days written in "
            f"{time.perf_counter() - began:.0f} s",
            flush=True,
        )
        urls = [args.url, *args.also]
        table = [lines(url, run(url, work, tmp, args.processes), args.processes) for url in urls]
    width = max(len(label) for label, _ in table[0])
    for n, (label, _) in enumerate(table[0]):
        print(f"{label:<{width}}  " + "  ".join(f"{column[n][1]:<24}" for column in table))
    sums = {
        str(dict(table_lines)["totals (currency, status, comps, value)"]) for table_lines in table
    }
    if len(sums) > 1:
        print("TOTALS DIFFER between the databases")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
