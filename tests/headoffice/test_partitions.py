"""Monthly partitions made ahead of time, no lock taken when they exist, ANALYZE when stale."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, text

from pos_plugin.headoffice import ingest, partitions

from .conftest import DAY, NOW, comp_row


@pytest.fixture
def pg_engine(ho_engine):
    if ho_engine.dialect.name != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    return ho_engine


@pytest.fixture
def one_server_engine(pg_engine, backend):
    if backend == "citus":
        # Which months exist is the whole run's on the shared cluster, and Citus keeps a
        # table's statistics on the workers' shards: the coordinator's pg_class has neither.
        pytest.skip("partitions made and analysed are read off a single PostgreSQL")
    return pg_engine


def partition_names(engine):
    return sorted(n for n in inspect(engine).get_table_names() if n.startswith("ho_comp_p"))


@pytest.mark.parametrize(
    ("day", "later", "month"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 1)),
        (date(2026, 11, 23), 2, date(2027, 1, 1)),
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2027, 1, 1), -1, date(2026, 12, 1)),
    ],
)
def test_months_count_across_the_turn_of_the_year(day, later, month):
    assert partitions.month_of(day, later) == month


@pytest.mark.parametrize(
    ("changed", "estimated", "stale"),
    [
        (partitions.ANALYZE_MIN_ROWS - 1, -1, False),  # never analysed, but barely any rows
        (partitions.ANALYZE_MIN_ROWS, -1, True),
        (partitions.ANALYZE_MIN_ROWS, 1_000_000, False),  # a drop in a big partition
        (200_000, 1_000_000, True),  # a fifth of it
    ],
)
def test_a_partition_is_stale_once_a_material_share_of_it_changed(changed, estimated, stale):
    assert partitions.needs_analyze(changed, estimated) is stale


def test_the_partitions_command_makes_the_coming_months_once(one_server_engine):
    made = partitions.ahead(one_server_engine, DAY, 2)

    assert made == ["ho_comp_p2026_11", "ho_comp_p2026_12", "ho_comp_p2027_01"]
    assert partitions.ahead(one_server_engine, DAY, 2) == []
    assert partition_names(one_server_engine) == made


def test_an_ingest_into_a_month_already_made_takes_no_global_lock(
    pg_engine, register, make_set, ingest_one
):
    keys = register()
    partitions.create(pg_engine, [DAY])
    path = make_set(keys)
    with pg_engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": partitions.PARTITION_LOCK})
        try:
            # Were the lock taken, this would wait until the finally below: a failure, not a hang.
            outcome = pool.submit(ingest_one, path).result(timeout=60)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock_all()"))

    assert outcome.status == "ingested"


def test_a_set_for_a_month_without_its_partition_makes_it(
    one_server_engine, register, make_set, ingest_one
):
    outcome = ingest_one(
        make_set(register(), day=date(2027, 3, 2), comps=[comp_row(date(2027, 3, 2))])
    )

    assert outcome.status == "ingested"
    assert partition_names(one_server_engine) == ["ho_comp_p2027_03"]


def estimated_rows(engine, day):
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
            {"name": partitions.partition_name(day)},
        )


def test_a_load_that_changes_a_partition_materially_analyses_it_and_a_small_one_does_not(
    one_server_engine, register, make_set, ingest_one, monkeypatch, tmp_path
):
    pg_engine = one_server_engine
    monkeypatch.setattr(partitions, "ANALYZE_MIN_ROWS", 200)
    keys = register()
    partitions.create(pg_engine, [DAY])
    assert estimated_rows(pg_engine, DAY) == -1  # never analysed

    ingest_one(make_set(keys, [comp_row() for _ in range(300)]))
    assert estimated_rows(pg_engine, DAY) == 300

    later = DAY + timedelta(days=1)
    ingest_one(make_set(keys, [comp_row(later) for _ in range(5)], day=later, folder=tmp_path))
    assert estimated_rows(pg_engine, DAY) == 300  # 5 of 300 rows: the statistics still hold


def test_a_run_over_two_months_without_partitions_makes_both_and_analyses_once_done(
    one_server_engine, register, make_set, quarantine, monkeypatch, tmp_path
):
    monkeypatch.setattr(partitions, "ANALYZE_MIN_ROWS", 200)
    keys = register()
    days = [date(2027, 3, 31), date(2027, 4, 1)]
    paths = [
        make_set(keys, [comp_row(day) for _ in range(250)], day=day, folder=tmp_path)
        for day in days
    ]

    run = ingest.ingest_all(one_server_engine, paths, quarantine, lambda: NOW)
    first = next(run)
    assert first.status == "ingested"  # the batch is committed, the run not yet done
    assert estimated_rows(one_server_engine, days[0]) == -1
    assert [o.status for o in run] == ["ingested"]

    assert partition_names(one_server_engine) == ["ho_comp_p2027_03", "ho_comp_p2027_04"]
    assert [estimated_rows(one_server_engine, day) for day in days] == [250, 250]
