"""The backup check: none yet is worth a look; a newest backup days old means the nightly
ones are failing."""

from __future__ import annotations

from datetime import timedelta

from pos_plugin import backups
from pos_plugin.checks import Status
from pos_plugin.checks import backup as backup_check


def test_no_backup_yet_warns_a_fresh_one_is_ok_and_a_stale_one_fails(new_store, clock):
    settings = new_store().config["POS_PLUGIN_SETTINGS"]

    none_yet = backup_check.newest(settings, clock.now)
    taken = backups.take(settings, clock.now - timedelta(hours=20))
    fresh = backup_check.newest(settings, clock.now)
    stale = backup_check.newest(settings, clock.now + timedelta(days=2))

    assert (none_yet.status, str(none_yet.message)) == (
        Status.WARN,
        "No backup has been taken yet. `pos-plugin serve` takes one every night after the "
        "sync; run `pos-plugin backup` to take one now.",
    )
    # 14:00 UTC on 23 November is 14:00 in London (GMT).
    assert (fresh.status, str(fresh.message)) == (
        Status.OK,
        f"The newest backup is from 2026-11-23 14:00: {taken.path}",
    )
    assert stale.status is Status.FAIL
    assert str(stale.message).startswith(
        f"The newest backup is from 2026-11-23 14:00 ({taken.path}): the nightly backups are "
        "failing. Run `pos-plugin backup` to see why"
    )
