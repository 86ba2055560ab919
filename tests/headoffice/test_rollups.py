"""Rollups: after any ingests, supersedes, replays and refusals they equal the raw rows' sums."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pos_plugin.headoffice import rollups
from pos_plugin.headoffice.database import read_session

from .conftest import DAY, comp_row

DAYS = (DAY, DAY - timedelta(days=1))

comps = st.lists(
    st.fixed_dictionaries(
        {
            "item_name": st.sampled_from(["Free cookie", "Extra cream"]),
            "staff_name": st.sampled_from(["Ana", "Ben", None]),
            "breakdown_title": st.sampled_from([None, "Wrong drink"]),
            "status": st.sampled_from(["active", "active", "voided"]),
            "value_amount": st.integers(0, 500),
            "currency": st.sampled_from(["GBP", "EUR"]),
        }
    ),
    max_size=4,
)
steps = st.lists(
    st.tuples(
        st.integers(0, 1),  # which store
        st.sampled_from(DAYS),
        st.sampled_from(["next sequence", "replay", "conflicting replay"]),
        comps,
    ),
    min_size=1,
    max_size=6,
)


def expected_rollups(current: dict[tuple[str, Any], list[dict[str, Any]]]) -> Counter:
    """What each store-day's current rows sum to, worked out here without the database."""
    sums: Counter = Counter()
    for (store_id, day), rows in current.items():
        for row in rows:
            names = {
                "ho_rollup_day": (),
                "ho_rollup_item": (row["item_name"],),
                "ho_rollup_barista": (row["staff_name"] or "",),
            }
            if row["breakdown_title"] is not None:
                names["ho_rollup_breakdown"] = (row["breakdown_title"],)
            active = row["status"] == "active"
            for table, name in names.items():
                key = (table, day, store_id, row["currency"], *name)
                sums[(*key, "comps")] += active
                sums[(*key, "value")] += row["value_amount"] if active else 0
                sums[(*key, "voids")] += not active
    return sums


def as_counter(table: str, rows: list[Any]) -> Counter:
    """Rows of (day, store, currency, [name,] comps, value, voids) keyed as expected."""
    found: Counter = Counter()
    for row in rows:
        key, figures = tuple(row[:-3]), row[-3:]
        for column, figure in zip(rollups.SUM_COLUMNS, figures, strict=True):
            found[(table, *key, column)] = int(figure)
    return found


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_rollups_equal_the_raw_sums_after_any_ingests_supersedes_and_replays(
    plan, register, make_set, ingest_one, ho_engine, tmp_path
):
    run = uuid.uuid4().hex[:10]
    keys = [register(f"r{run}-{n}") for n in range(2)]
    current: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    last: dict[tuple[str, Any], tuple[int, list[dict[str, Any]]]] = {}
    for step, (store, day, action, drawn) in enumerate(plan):
        store_keys = keys[store]
        sequence, rows = last.get((store_keys.store_id, day), (0, []))
        if action == "next sequence" or sequence == 0:
            sequence, rows = sequence + 1, [comp_row(day, **values) for values in drawn]
        elif action == "conflicting replay":  # the same sequence with other rows: refused
            rows = [*rows, comp_row(day)]
        folder = tmp_path / run / str(step)  # a replay is the same set written again
        outcome = ingest_one(make_set(store_keys, rows, sequence=sequence, day=day, folder=folder))
        conflicting = action == "conflicting replay" and (store_keys.store_id, day) in last
        assert outcome.refused == conflicting, outcome
        if not outcome.refused:
            last[(store_keys.store_id, day)] = (sequence, rows)
            current[(store_keys.store_id, day)] = rows

    stores = [k.store_id for k in keys]
    written: Counter = Counter()
    raw: Counter = Counter()
    with read_session(ho_engine) as session:
        for rollup, names in rollups.ROLLUPS.items():
            table = rollup.__tablename__
            keys_of = [rollup.business_date, rollup.store_id, rollup.currency]
            keys_of += [rollup.name] if names else []
            sums = [getattr(rollup, column) for column in rollups.SUM_COLUMNS]
            found = session.execute(select(*keys_of, *sums).where(rollup.store_id.in_(stores)))
            written.update(as_counter(table, found.all()))
            for store_id, day in current:
                query = rollups.raw_totals(rollup, [(store_id, day)])
                raw.update(as_counter(table, session.execute(query).all()))
    assert written == expected_rollups(current)
    assert written == raw
