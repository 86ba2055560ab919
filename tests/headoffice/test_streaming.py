"""Ingest streams a set: checked as it is read, loaded in bounded memory, all or nothing."""

from __future__ import annotations

import tracemalloc
import uuid
from datetime import timedelta

from sqlalchemy import event, func, select

from pos_plugin.headoffice import load, partitions
from pos_plugin.headoffice.cells import ROW_COLUMNS, SPECS
from pos_plugin.headoffice.database import read_session, write_session
from pos_plugin.headoffice.models import IngestedSet, StoreComp

from .conftest import DAY, comp_row


def count(engine, model=StoreComp):
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def peak_bytes_ingesting(ingest_one, path):
    tracemalloc.start()
    try:
        outcome = ingest_one(path)
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_set_five_times_larger_ingests_in_about_the_same_memory(
    register, make_set, ingest_one, ho_engine, tmp_path
):
    keys = register()
    small = make_set(keys, [comp_row() for _ in range(1_200)], folder=tmp_path / "small")
    later = DAY + timedelta(days=1)
    large = make_set(keys, [comp_row(later) for _ in range(6_000)], day=later, folder=tmp_path)

    small_outcome, small_peak = peak_bytes_ingesting(ingest_one, small)
    large_outcome, large_peak = peak_bytes_ingesting(ingest_one, large)

    assert (small_outcome.status, large_outcome.status) == ("ingested", "ingested")
    assert count(ho_engine) == 7_200
    # Read whole, or a dict kept per row, the larger set would take five times the memory.
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)


def test_the_loader_holds_one_batch_of_rows_at_a_time(ho_engine, register):
    register()
    if ho_engine.dialect.name == "postgresql":
        partitions.create(ho_engine, [DAY])
    pulled = inserted = 0
    most_held = 0

    def rows():
        nonlocal pulled
        for n in range(2 * load.BATCH_ROWS + 7):
            pulled += 1
            row = comp_row(comp_id=uuid.uuid4(), item_id=n)
            yield tuple(_typed(row)[column] for column in ROW_COLUMNS["comps"])

    @event.listens_for(ho_engine, "before_cursor_execute")
    def written(conn, cursor, statement, parameters, context, executemany):
        nonlocal most_held
        most_held = max(most_held, pulled - inserted)

    @event.listens_for(ho_engine, "after_cursor_execute")
    def done(conn, cursor, statement, parameters, context, executemany):
        nonlocal inserted
        if statement.startswith("INSERT INTO ho_comp"):
            inserted = pulled

    with write_session(ho_engine) as session:
        [loaded] = load.replace_days(
            session,
            [load.DayRows("cafe-001", DAY, 1, {"comps": rows(), "shifts": [], "stories": []})],
        )

    assert loaded == {"comps": 2 * load.BATCH_ROWS + 7, "shifts": 0, "stories": 0}
    assert count(ho_engine) == 2 * load.BATCH_ROWS + 7
    if ho_engine.dialect.name != "postgresql":  # COPY sends each row as it comes
        assert most_held <= load.BATCH_ROWS


def _typed(row):
    return {
        column: None if row[column] is None else SPECS["comps"][column][0].parse(str(row[column]))
        for column in SPECS["comps"]
    }


def test_a_bad_row_at_the_end_of_a_large_set_leaves_nothing_of_it(
    register, make_set, ingest_one, ho_engine
):
    rows = [comp_row() for _ in range(3_000)] + [comp_row(item_id="seven")]

    outcome = ingest_one(make_set(register(), rows))

    assert outcome.refused
    assert "comps.csv: line 3002: item_id 'seven' is not a whole number" in outcome.message
    assert count(ho_engine) == 0
    assert count(ho_engine, IngestedSet) == 0


def test_a_changed_byte_that_breaks_a_row_is_still_called_tampered(
    register, make_set, ingest_one, ho_engine
):
    path = make_set(register(), [comp_row() for _ in range(100)])
    comps = path.with_name(path.name.replace("manifest.json", "comps.csv"))
    data = bytearray(comps.read_bytes())
    data[data.index(b"GBP")] = ord("g")  # an invalid currency on the first row
    comps.write_bytes(bytes(data))

    outcome = ingest_one(path)

    assert outcome.refused
    assert "tampered: its SHA-256 differs from the signed manifest's" in outcome.message
    assert count(ho_engine) == 0


def test_a_replay_whose_files_changed_since_is_refused_as_tampered(
    register, make_set, ingest_one, ho_engine
):
    path = make_set(register())
    ingest_one(path)
    path.with_name(path.name.replace("manifest.json", "shifts.csv")).write_bytes(
        b"shift_id,business_date\r\n"
    )

    outcome = ingest_one(path)

    assert outcome.refused
    assert "shifts.csv: truncated" in outcome.message
    assert count(ho_engine) == 1
