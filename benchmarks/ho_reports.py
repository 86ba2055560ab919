"""Head office's overview page on a chain's month, beside a bare count/sum over the same rows.

Makes STORES x DAYS x COMPS comps straight in `ho_comp` (every 20th voided,
every 50th approved over the allowance, a breakdown on every 10th), writes each
store's rollups with the same `rollups.refresh` ingest calls, runs ANALYZE, then
times, best and median of --rounds, alternated: the overview page (every report,
through the app), every report at its CSV's row limit, and a bare
`SELECT count(*), sum(value_amount)` over the month's raw rows. On a database
with the citus extension (`--db` of a cluster's coordinator) the tables are
distributed first. Prints one table; never a timed test.

    .venv/bin/python benchmarks/ho_reports.py --db postgresql+psycopg://...  [--stores 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from headoffice import signed_in

START = date(2026, 11, 1)


def _fill(engine: sa.Engine, stores: int, days: int, comps: int) -> None:
    from pos_plugin.headoffice import database, rollups
    from pos_plugin.headoffice.models import HeadOfficeBase

    with engine.begin() as connection:
        for month in {(START + timedelta(days=d)).replace(day=1) for d in range(days)}:
            end = (month + timedelta(days=32)).replace(day=1)
            connection.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS ho_comp_p{month:%Y_%m} PARTITION OF ho_comp "
                f"FOR VALUES FROM ('{month}') TO ('{end}')"
            )
        connection.exec_driver_sql(
            "INSERT INTO ho_comp (business_date, store_id, comp_id, sequence, status, created_at,"
            " item_id, item_name, value_amount, currency, staff_id, staff_name, approved_by_id,"
            " approved_by_name, shift_id, created_by, breakdown_title, voided_at, voided_by)"
            f" SELECT DATE '{START}' + d, 'store-' || s, gen_random_uuid(), 1,"
            " CASE WHEN mod(n, 20) = 0 THEN 'voided' ELSE 'active' END,"
            f" TIMESTAMPTZ '{START} 09:00+00' + d * interval '1 day', mod(n, 8),"
            " 'Item ' || mod(n, 8), 50 + mod(n, 300), 'EUR', mod(n, 6), 'Barista ' || mod(n, 6),"
            " CASE WHEN mod(n, 50) = 0 THEN 99 END, CASE WHEN mod(n, 50) = 0 THEN 'Manager' END,"
            " 1, 'till', CASE WHEN mod(n, 10) = 0 THEN 'Breakdown ' || mod(n, 3) END,"
            f" CASE WHEN mod(n, 20) = 0 THEN TIMESTAMPTZ '{START} 10:00+00' END,"
            " CASE WHEN mod(n, 20) = 0 THEN 'Manager' END"
            f" FROM generate_series(1, {stores}) s, generate_series(0, {days - 1}) d,"
            f" generate_series(1, {comps}) n"
        )
    every_day = [START + timedelta(days=d) for d in range(days)]
    for store in range(1, stores + 1):
        with database.write_session(engine) as session:
            rollups.refresh(session, [(f"store-{store}", day) for day in every_day])
    with engine.begin() as connection:  # only ours: others' schemas come and go meanwhile
        tables = ", ".join(t.name for t in HeadOfficeBase.metadata.sorted_tables)
        connection.exec_driver_sql(f"ANALYZE {tables}")


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL (or Citus coordinator) URL")
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--comps", type=int, default=150, help="comps per store-day")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("POS_PLUGIN_HOME", tempfile.mkdtemp(prefix="ho-bench-"))
    from pos_plugin import settings as settings_module
    from pos_plugin.headoffice import database, distribute, reports
    from pos_plugin.headoffice.receiver import create_app

    schema = f"ho_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.db)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(args.db).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = database.open_database(url.render_as_string(hide_password=False))
    try:
        with database.write_session(engine) as session:
            on = "Citus" if distribute.citus_version(session) else "PostgreSQL"
            if on == "Citus":
                distribute.distribute(session)
        began = time.perf_counter()
        _fill(engine, args.stores, args.days, args.comps)
        filled = time.perf_counter() - began
        end = START + timedelta(days=args.days - 1)
        now = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
        app = create_app(settings_module.load(), engine, clock=lambda: now)
        client = signed_in(app.test_client(), engine)  # the reports are for signed-in users
        page = f"/?from={START}&to={end}"
        bare = sa.text(
            "SELECT count(*), sum(value_amount) FROM ho_comp"
            " WHERE business_date BETWEEN :start AND :end"
        )

        def queries() -> None:
            with database.read_session(engine) as session:
                for make in reports.REPORTS.values():
                    make(session, START, end)

        def scan() -> None:
            with engine.connect() as connection:
                connection.execute(bare, {"start": START, "end": end}).one()

        def overview() -> None:
            assert client.get(page).status_code == 200

        timings: dict[str, list[float]] = {"overview": [], "queries": [], "bare": []}
        overview()  # warm: templates, plans
        for _ in range(args.rounds):
            timings["overview"].append(_timed(overview))
            timings["queries"].append(_timed(queries))
            timings["bare"].append(_timed(scan))
        rows = args.stores * args.days * args.comps
        with database.read_session(engine) as session:
            by_store = reports.by_store(session, START, end).rows
        with engine.connect() as connection:
            active = sa.text(
                "SELECT count(*), sum(value_amount) FROM ho_comp WHERE status = 'active'"
            )
            raw = tuple(int(n) for n in connection.execute(active).one())
        rolled = (sum(int(r[2]) for r in by_store), sum(int(r[3]) for r in by_store))
        print(f"{on}: {args.stores} stores x {args.days} days x {args.comps} = {rows:,} comps")
        print(f"active comps and value, by store from rollups {rolled}, raw {raw}: ", end="")
        print("equal" if rolled == raw else "NOT EQUAL")
        print(f"filled and rolled up in {filled:.0f} s")
        print(f"{'what':<44}{'best ms':>10}{'median ms':>11}")
        told = {
            "overview": "overview page (every report, rendered)",
            "queries": f"all {len(reports.REPORTS)} reports at their CSV's limit",
            "bare": "bare count/sum over the raw rows",
        }
        for name, figures in timings.items():
            print(f"{told[name]:<44}{min(figures):>10.0f}{statistics.median(figures):>11.0f}")
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


if __name__ == "__main__":
    main()
