"""Ingesting file sets at head office: exactly once, superseded, refused and quarantined."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, inspect, select

from pos_plugin.headoffice import ingest
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.models import DayTotal, IngestedSet, SetState, StoreComp

from .conftest import DAY, NOW, StoreKeys, comp_row


def comps_of(engine, store_id="cafe-001", day=DAY):
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(StoreComp)
                .where(StoreComp.store_id == store_id, StoreComp.business_date == day)
                .order_by(StoreComp.created_at, StoreComp.status)  # the rows share a time
            )
        )


def sets_of(engine):
    with read_session(engine) as session:
        return [
            (s.store_id, s.business_date, s.sequence, s.state)
            for s in session.scalars(
                select(IngestedSet).order_by(IngestedSet.business_date, IngestedSet.sequence)
            )
        ]


def test_a_signed_set_is_loaded_with_every_comp_and_its_text(
    register, make_set, ingest_one, ho_engine
):
    keys = register()
    path = make_set(
        keys,
        [
            comp_row(note="=cmd|' /C calc'!A0\nsecond line"),
            comp_row(status="voided", voided_at="2026-11-23T10:00:00+00:00", voided_by="Mo"),
        ],
    )

    outcome = ingest_one(path)

    assert outcome.status == "ingested"
    assert outcome.message == "ingested: 2 comps of cafe-001 on 2026-11-23"
    rows = comps_of(ho_engine)
    assert [r.status for r in rows] == ["active", "voided"]
    assert rows[0].note == "=cmd|' /C calc'!A0\nsecond line"  # the CSV guard is undone on reading
    assert rows[1].voided_by == "Mo"
    assert sets_of(ho_engine) == [("cafe-001", DAY, 1, SetState.CURRENT)]


def test_the_same_set_again_changes_nothing_and_says_so(register, make_set, ingest_one, ho_engine):
    path = make_set(register())
    ingest_one(path)

    again = ingest_one(path)

    assert again.status == "already ingested"
    assert again.message.endswith("nothing changed")
    assert len(comps_of(ho_engine)) == 1
    assert len(sets_of(ho_engine)) == 1


def test_a_later_sequence_replaces_the_days_rows(register, make_set, ingest_one, ho_engine):
    keys = register()
    first, second = comp_row(), comp_row()
    ingest_one(make_set(keys, [first, second]))
    second_voided = {**second, "status": "voided", "voided_at": "2026-11-24T09:00:00+00:00"}

    outcome = ingest_one(make_set(keys, [first, second_voided], sequence=2))

    assert outcome.message == "ingested: 2 comps of cafe-001 on 2026-11-23, replacing sequence 1"
    assert [r.status for r in comps_of(ho_engine)] == ["active", "voided"]
    assert [s[2:] for s in sets_of(ho_engine)] == [
        (1, SetState.SUPERSEDED),
        (2, SetState.CURRENT),
    ]


def test_an_older_sequence_after_a_newer_one_is_refused_and_quarantined(
    register, make_set, ingest_one, ho_engine, quarantine, tmp_path
):
    keys = register()
    old = make_set(keys, sequence=1)
    ingest_one(make_set(keys, [], sequence=2, folder=tmp_path / "later"))

    outcome = ingest_one(old)

    assert outcome.refused
    assert "out of order: sequence 2 of 2026-11-23 is already ingested" in outcome.message
    assert comps_of(ho_engine) == []
    assert not old.exists()
    [folder] = quarantine.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            f"cafe-001_2026-11-23_001.{k}"
            for k in ("comps.csv", "shifts.csv", "stories.csv", "manifest.json")
        ]
        + ["reason.txt"]
    )
    assert "out of order" in (folder / "reason.txt").read_text()


def refused(outcome, reason):
    assert outcome.refused, outcome
    assert reason in outcome.message
    return True


def test_a_single_changed_byte_is_refused_as_tampered(register, make_set, ingest_one, ho_engine):
    path = make_set(register())
    comps = path.with_name(path.name.replace("manifest.json", "comps.csv"))
    data = bytearray(comps.read_bytes())
    data[data.index(b"180")] = ord("9")  # 180 pence becomes 980
    comps.write_bytes(bytes(data))

    assert refused(ingest_one(path), "tampered: its SHA-256 differs from the signed manifest's")
    assert comps_of(ho_engine) == []


def test_a_truncated_file_is_refused(register, make_set, ingest_one):
    path = make_set(register())
    comps = path.with_name(path.name.replace("manifest.json", "comps.csv"))
    comps.write_bytes(comps.read_bytes()[:-20])

    assert refused(ingest_one(path), "comps.csv: truncated:")


def test_a_truncated_manifest_is_refused(register, make_set, ingest_one):
    path = make_set(register())
    path.write_bytes(path.read_bytes()[:200])

    assert refused(ingest_one(path), "not valid JSON (truncated or damaged?)")


def test_a_set_signed_with_another_key_is_refused(register, make_set, ingest_one):
    keys = register()
    keys.key = Ed25519PrivateKey.generate()  # someone else signs in this store's name

    assert refused(
        ingest_one(make_set(keys)),
        "the signature does not verify with the key registered for cafe-001",
    )


def test_a_manifest_changed_after_signing_is_refused(register, make_set, ingest_one):
    path = make_set(register())
    signed = json.loads(path.read_text())
    signed["manifest"]["totals"]["GBP"]["value"] = 1
    path.write_text(json.dumps(signed))

    assert refused(ingest_one(path), "the signature does not verify")


def test_an_unsigned_set_is_refused(register, make_set, ingest_one):
    path = make_set(register())
    signed = json.loads(path.read_text())
    path.write_text(json.dumps({"manifest": signed["manifest"]}))

    assert refused(ingest_one(path), "unsigned: the manifest carries no signature")


def test_a_set_from_an_unknown_store_is_refused(register, make_set, ingest_one):
    register("cafe-001")

    path = make_set(StoreKeys("cafe-999", Ed25519PrivateKey.generate()))

    assert refused(ingest_one(path), "unknown store 'cafe-999'")


def test_a_set_with_a_missing_file_is_refused(register, make_set, ingest_one):
    path = make_set(register())
    path.with_name(path.name.replace("manifest.json", "shifts.csv")).unlink()

    assert refused(ingest_one(path), "shifts.csv: missing: the set is incomplete")


def test_a_day_without_comps_is_recorded_as_ingested(register, make_set, ingest_one, ho_engine):
    outcome = ingest_one(make_set(register(), []))

    assert outcome.message == "ingested: 0 comps of cafe-001 on 2026-11-23"
    assert sets_of(ho_engine) == [("cafe-001", DAY, 1, SetState.CURRENT)]


@pytest.mark.postgres_only
def test_on_postgresql_comps_land_in_the_months_partition(
    backend, register, make_set, ingest_one, ho_engine
):
    if backend != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    keys = register()
    ingest_one(make_set(keys))
    ingest_one(make_set(keys, day=DAY + timedelta(days=10)))

    tables = set(inspect(ho_engine).get_table_names())
    assert {"ho_comp_p2026_11", "ho_comp_p2026_12"} <= tables
    with ho_engine.connect() as connection:
        counts = dict(
            connection.exec_driver_sql(
                "SELECT tableoid::regclass::text, count(*) FROM ho_comp GROUP BY 1"
            ).all()
        )
    assert counts == {"ho_comp_p2026_11": 1, "ho_comp_p2026_12": 1}
    with read_session(ho_engine) as session:
        assert session.scalar(select(func.count()).select_from(StoreComp)) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"manifest": ' + "[" * 5000 + "]" * 5000 + "}", "nests arrays and objects more than 32"),
        ('{"manifest": {}, "signature": "a", "signature": "b"}', "has the key 'signature' twice"),
    ],
    ids=["deep", "duplicate-key"],
)
def test_a_manifest_too_deep_or_with_a_key_twice_is_refused_naming_it(
    register, make_set, ingest_one, body, reason
):
    path = make_set(register())
    path.write_text(body)

    assert refused(ingest_one(path), f"not a manifest: its JSON {reason}")


def test_sets_of_different_stores_ingest_side_by_side(register, make_set, ingest_one, ho_engine):
    paths = [make_set(register(f"cafe-{n}"), [comp_row(), comp_row()]) for n in range(4)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(ingest_one, paths))

    assert [o.status for o in outcomes] == ["ingested"] * 4
    with read_session(ho_engine) as session:
        by_store = session.execute(select(DayTotal.store_id, DayTotal.comps)).all()
    assert sorted(by_store) == [(f"cafe-{n}", 2) for n in range(4)]


def ingest_all(engine, paths, quarantine):
    return list(ingest.ingest_all(engine, paths, quarantine, lambda: NOW))


def test_a_run_of_many_sets_tells_each_in_order_and_loads_them_in_batches(
    register, make_set, ho_engine, quarantine, tmp_path
):
    ana, ben = register("cafe-001"), register("cafe-002")
    unknown = StoreKeys("cafe-009", Ed25519PrivateKey.generate())
    later = DAY + timedelta(days=1)
    paths = [
        make_set(ana, [comp_row()], folder=tmp_path / "1"),
        make_set(ben, [comp_row(), comp_row()], folder=tmp_path / "2"),
        make_set(unknown, [comp_row()], folder=tmp_path / "3"),
        make_set(ana, [comp_row(later)], day=later, folder=tmp_path / "4"),
        # The same day again, later: it decides on what the first left, so a batch of its own.
        make_set(ana, [comp_row(), comp_row(), comp_row()], sequence=2, folder=tmp_path / "5"),
    ]
    tampered = paths[1].with_name(paths[1].name.replace("manifest.json", "comps.csv"))
    tampered.write_bytes(tampered.read_bytes().replace(b"Free", b"Fre3"))

    outcomes = ingest_all(ho_engine, paths, quarantine)

    assert [(o.path, o.status) for o in outcomes] == [
        (paths[0], "ingested"),
        (paths[1], "refused"),
        (paths[2], "refused"),
        (paths[3], "ingested"),
        (paths[4], "ingested"),
    ]
    assert "tampered" in outcomes[1].message
    assert "unknown store 'cafe-009'" in outcomes[2].message
    assert (
        outcomes[4].message == "ingested: 3 comps of cafe-001 on 2026-11-23, replacing sequence 1"
    )
    assert sets_of(ho_engine) == [
        ("cafe-001", DAY, 1, SetState.SUPERSEDED),
        ("cafe-001", DAY, 2, SetState.CURRENT),
        ("cafe-001", later, 1, SetState.CURRENT),
    ]
    assert len(comps_of(ho_engine)) == 3
    with read_session(ho_engine) as session:
        totals = session.execute(select(DayTotal.store_id, DayTotal.business_date, DayTotal.comps))
        assert sorted(totals.all()) == [("cafe-001", DAY, 3), ("cafe-001", later, 1)]


def test_a_set_the_database_refuses_costs_its_batch_neighbours_nothing(
    register, make_set, ho_engine, quarantine, tmp_path
):
    keys = register()
    twice = comp_row(DAY + timedelta(days=1))
    days = [DAY + timedelta(days=n) for n in range(3)]
    paths = [
        make_set(keys, [comp_row(days[0])], day=days[0], folder=tmp_path),
        make_set(keys, [twice, twice], day=days[1], folder=tmp_path),  # one comp id twice
        make_set(keys, [comp_row(days[2])], day=days[2], folder=tmp_path),
    ]

    outcomes = ingest_all(ho_engine, paths, quarantine)

    assert [o.status for o in outcomes] == ["ingested", "refused", "ingested"]
    assert "the database refused its rows" in outcomes[1].message
    assert [(s[1], s[3]) for s in sets_of(ho_engine)] == [
        (days[0], SetState.CURRENT),
        (days[2], SetState.CURRENT),
    ]
    assert comps_of(ho_engine, day=days[1]) == []
    assert len(list(quarantine.iterdir())) == 1


def test_two_runs_that_share_stores_never_deadlock(
    register, make_set, ho_engine, quarantine, tmp_path
):
    ana, ben = register("cafe-001"), register("cafe-002")
    days = [DAY + timedelta(days=n) for n in range(4)]

    def sets(first, second, day_of, folder):
        return [
            make_set(keys, [comp_row(day_of(n))], day=day_of(n), folder=tmp_path / folder)
            for keys in (first, second)
            for n in range(2)
        ]

    # Each run holds both stores' locks for a batch; they ask in opposite orders.
    runs = [
        sets(ana, ben, lambda n: days[n], "one"),
        sets(ben, ana, lambda n: days[n + 2], "two"),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda paths: ingest_all(ho_engine, paths, quarantine), runs))

    assert [o.status for run in done for o in run] == ["ingested"] * 8
    assert len(sets_of(ho_engine)) == 8
