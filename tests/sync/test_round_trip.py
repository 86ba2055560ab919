"""Store to head office: what a store exports, head office ingests exactly once, by the commands."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pos_plugin.cli import cli
from pos_plugin.headoffice import database
from pos_plugin.headoffice.models import IngestedSet, StoreComp

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def headoffice(app, empty_database_url, tmp_path, monkeypatch):
    """Runs `pos-plugin headoffice ...` on its own database, with its own data directory."""
    monkeypatch.setenv("POS_PLUGIN_HOME", str(tmp_path / "ho-home"))
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(cli, ["headoffice", *args, "--db", empty_database_url])

    return run


def ho_rows(url):
    engine = database.make_engine(url)
    try:
        with database.read_session(engine) as session:
            comps = session.scalars(select(StoreComp).order_by(StoreComp.created_at)).all()
            sets = session.scalars(select(IngestedSet).order_by(IngestedSet.id)).all()
            return comps, sets
    finally:
        engine.dispose()


def test_a_days_comps_travel_through_the_folder_and_are_ingested_once(
    give, void_at, sync_cli, headoffice, app, tmp_path, clock, empty_database_url
):
    share = tmp_path / "share"
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, folder=str(share))
    )
    kept = give(MONDAY, note="Happy birthday!")
    late = give(MONDAY + timedelta(hours=2))
    store_id, key = sync_cli("key").output.split()
    assert headoffice("add-store", store_id, "--key", key).exit_code == 0
    assert sync_cli("run").exit_code == 0

    first = headoffice("ingest", str(share))

    assert first.exit_code == 0, first.output
    assert "test-cafe_2026-11-23_001.manifest.json: ingested: 2 comps of test-cafe" in first.output
    replay = headoffice("ingest", str(share))
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
