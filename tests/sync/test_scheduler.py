"""The sync scheduler in `pos-plugin serve`: when it runs, and what one run does."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Comp, IdempotencyKey
from pos_plugin.services import comps, privacy
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store
from pos_plugin.sync.scheduler import SyncScheduler, next_daily_run

from .conftest import MANAGER

LONDON = ZoneInfo("Europe/London")


def test_the_daily_run_is_at_the_configured_store_time():
    assert next_daily_run(datetime(2026, 11, 24, 3, 0, tzinfo=UTC), LONDON, time(4, 30)) == (
        datetime(2026, 11, 24, 4, 30, tzinfo=UTC)
    )
    assert next_daily_run(datetime(2026, 11, 24, 5, 0, tzinfo=UTC), LONDON, time(4, 30)) == (
        datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    )
    # In summer 04:30 in London is 03:30 UTC; the night the clocks go forward, too.
    assert next_daily_run(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), LONDON, time(4, 30)) == (
        datetime(2026, 3, 29, 3, 30, tzinfo=UTC)
    )


def test_on_start_it_catches_up_delivers_and_purges_then_sleeps_until_the_next_run(
    app, give, clock, tmp_path
):
    share = tmp_path / "share"
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, folder=str(share))
    )
    for day in (19, 20, 22):
        give(datetime(2026, 11, day, 12, 0, tzinfo=UTC))
    with app.app_context(), write_transaction():  # a till's key from two days ago
        comps.record_comp(
            MANAGER, get_store(), CompRequest(item_id=1), clock.now - timedelta(days=2), "old-key"
        )

    wait = SyncScheduler(app, lambda: clock.now).step()

    assert wait == timedelta(hours=1)  # 10:00 now: no daily run within the hour
    manifests = sorted(p.name for p in share.glob("*.manifest.json"))
    assert [m.split("_")[1] for m in manifests] == [
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def _keeping_names_for(app, days, **sync):
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings,
        privacy=dataclasses.replace(settings.privacy, keep_customer_names_days=days),
        sync=dataclasses.replace(settings.sync, **sync),
    )


def _customer_text(app, comp_id):
    with app.app_context():
        comp = db.session.get(Comp, comp_id)
        return comp.customer_name, comp.note


def test_each_run_erases_customer_names_and_notes_past_the_keep_period(app, give, clock, tmp_path):
    _keeping_names_for(app, 1, folder=str(tmp_path / "share"))
    old = give(clock.now - timedelta(days=2), customer_name="Priya", note="Happy birthday!")
    new = give(clock.now - timedelta(hours=1), customer_name="Sam", note="Get well soon")

    SyncScheduler(app, lambda: clock.now).step()

    assert _customer_text(app, old.id) == (None, None)
    assert _customer_text(app, new.id) == ("Sam", "Get well soon")


def test_a_failed_sync_still_erases_and_a_failed_erasure_still_syncs(
    app, give, clock, tmp_path, monkeypatch, caplog
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox should be")
    _keeping_names_for(app, 1, outbox=str(blocked), folder=str(tmp_path / "share"))
    old = give(clock.now - timedelta(days=2), customer_name="Priya")

    with pytest.raises(FileExistsError):
        SyncScheduler(app, lambda: clock.now).step()
    assert _customer_text(app, old.id) == (None, None)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(privacy, "erase_expired_personal_data", broken)
    _keeping_names_for(app, 1, outbox="outbox")
    SyncScheduler(app, lambda: clock.now).step()

    assert list((tmp_path / "share").glob("*.manifest.json"))
    assert "erasing expired customer names and notes failed" in caplog.text
