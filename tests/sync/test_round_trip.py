"""Store to head office: what a store exports, head office ingests exactly once, by the commands."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pos_plugin.cli import cli
from pos_plugin.headoffice import database
from pos_plugin.headoffice.models import IngestedSet, StoreComp, StoreStory
from pos_plugin.models import Role

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def headoffice(app, empty_database_url, tmp_path, monkeypatch):
    """Runs `pos-plugin headoffice ...` on its own database, with its own data directory."""
    monkeypatch.setenv("POS_PLUGIN_HOME", str(tmp_path / "ho-home"))
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(cli, ["headoffice", *args, "--db", empty_database_url])

    return run


def ho_rows(url, model=None):
    engine = database.make_engine(url)
    try:
        with database.read_session(engine) as session:
            if model is not None:
                return session.scalars(select(model)).all()
            comps = session.scalars(select(StoreComp).order_by(StoreComp.created_at)).all()
            sets = session.scalars(
                select(IngestedSet).order_by(IngestedSet.business_date, IngestedSet.sequence)
            ).all()
            return comps, sets
    finally:
        engine.dispose()


@pytest.fixture
def share(app, tmp_path):
    folder = tmp_path / "share"
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, folder=str(folder))
    )
    return folder


def test_a_days_comps_travel_through_the_folder_and_are_ingested_once(
    give, void_at, sync_cli, headoffice, share, clock, empty_database_url, tmp_path
):
    kept = give(MONDAY, note="Happy birthday!")
    late = give(MONDAY + timedelta(hours=2))
    store_id, key = sync_cli("key").output.split()
    assert headoffice("add-store", store_id, "--key", key).exit_code == 0
    assert sync_cli("run").exit_code == 0

    first = headoffice("ingest", str(share))

    assert first.exit_code == 0, first.output
    assert "test-cafe_2026-11-23_001.manifest.json: ingested: 2 comps of test-cafe" in first.output
    assert not list(share.glob("*.manifest.json"))  # moved to the archive
    archived = tmp_path / "ho-home" / "headoffice" / "archive" / "test-cafe"
    replay = headoffice("ingest", str(archived))
    assert replay.exit_code == 0
    assert "already ingested" in replay.output

    clock.now += timedelta(hours=1)
    void_at(late.id, clock.now)
    assert sync_cli("run").exit_code == 0
    superseding = headoffice("ingest", str(share))

    assert "test-cafe_2026-11-23_002.manifest.json: ingested: 2 comps" in superseding.output
    assert "replacing sequence 1" in superseding.output
    comps, sets = ho_rows(empty_database_url)
    assert [(str(c.comp_id), c.status) for c in comps] == [
        (str(kept.id), "active"),
        (str(late.id), "voided"),
    ]
    assert comps[0].note == "Happy birthday!"
    assert [(s.sequence, s.state.value) for s in sets] == [(1, "superseded"), (2, "current")]


def test_an_approved_comp_and_a_starred_story_reach_head_office_and_a_late_star_follows(
    give, star_at, make_staff, sync_cli, headoffice, share, clock, empty_database_url
):
    mo = make_staff(Role.MANAGER, name="Mo")
    over = give(MONDAY, note="One more for the road", approver=mo)
    birthday = give(MONDAY + timedelta(hours=1), note="Happy birthday!", customer_name="Priya")
    star_at(birthday.id, MONDAY + timedelta(hours=2))
    store_id, key = sync_cli("key").output.split()
    headoffice("add-store", store_id, "--key", key)
    sync_cli("run")

    first = headoffice("ingest", str(share))

    assert "ingested: 2 comps and 1 starred story of test-cafe on 2026-11-23" in first.output
    comps, _ = ho_rows(empty_database_url)
    approved = {str(c.comp_id): (c.staff_name, c.approved_by_id, c.approved_by_name) for c in comps}
    assert approved == {str(over.id): ("Ana", mo.id, "Mo"), str(birthday.id): ("Ana", None, None)}
    (story,) = ho_rows(empty_database_url, StoreStory)
    assert (story.comp_id, story.customer_name, story.note, story.item_name, story.staff_name) == (
        birthday.id,
        "Priya",
        "Happy birthday!",
        "Free cookie",
        "Ana",
    )
    assert (story.starred_by, story.starred_at) == ("Manager Mo", MONDAY + timedelta(hours=2))

    clock.now += timedelta(hours=1)
    star_at(over.id, clock.now)  # a star given the next day, after the day went out
    sync_cli("run")
    later = headoffice("ingest", str(share))

    assert "2 starred stories of test-cafe on 2026-11-23, replacing sequence 1" in later.output
    stories = ho_rows(empty_database_url, StoreStory)
    assert {(s.comp_id, s.sequence) for s in stories} == {(birthday.id, 2), (over.id, 2)}


def test_ingest_of_a_set_from_an_unregistered_store_fails_naming_the_file(
    give, sync_cli, headoffice, outbox
):
    give(MONDAY)
    sync_cli("export")

    result = headoffice("ingest", str(outbox))

    assert result.exit_code == 1
    assert (
        "REFUSED test-cafe_2026-11-23_001.manifest.json: unknown store 'test-cafe'" in result.output
    )
    assert "1 of 1 file set(s) refused." in result.output
    assert "Traceback" not in result.output


def test_add_store_with_a_key_that_is_not_one_refuses_it(headoffice):
    result = headoffice("add-store", "cafe-001", "--key", "hunter2")

    assert result.exit_code == 2
    assert "A store key starts with 'ed25519:'" in result.output


def test_ingest_removes_what_waited_in_the_folder_over_a_day_and_keeps_the_rest(
    give, sync_cli, headoffice, share
):
    give(MONDAY)
    store_id, key = sync_cli("key").output.split()
    headoffice("add-store", store_id, "--key", key)
    assert sync_cli("run").exit_code == 0
    broken = share / ".test-cafe_2026-11-22_001.comps.csv.31337.part"  # an SFTP try that broke
    orphan = share / "test-cafe_2026-11-21_001.comps.csv"  # its manifest never came
    fresh = share / "test-cafe_2026-11-20_001.comps.csv"  # its manifest may still come
    for path in (broken, orphan, fresh):
        path.write_bytes(b"half")
    day_old = (datetime.now(UTC) - timedelta(hours=25)).timestamp()
    for path in [broken, orphan, *share.glob("test-cafe_2026-11-23_001.*")]:
        os.utime(path, (day_old, day_old))

    result = headoffice("ingest", str(share))

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Removed from {share}, waiting over a day: {broken.name}, {orphan.name}\n"
    )
    assert "test-cafe_2026-11-23_001.manifest.json: ingested: 1 comps" in result.output
    assert fresh.exists()
    assert not broken.exists()
    assert not orphan.exists()
