"""Exporting closed business days: signed file sets, catch-up, late changes, odd days."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta

from pos_plugin.models import Role
from pos_plugin.sync import manifest, signing

from .conftest import read_manifest

# DEFAULT_NOW is Tuesday 2026-11-24 10:00 in London: Monday the 23rd has closed.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
MONDAY_LATE = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 02:00 Tuesday: still Monday's business
STORE = "test-cafe"


def rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_a_closed_day_goes_out_as_a_signed_set_whose_manifest_matches_its_files(
    give, void_at, sync_cli, outbox
):
    kept = give(MONDAY_MORNING, note="Happy birthday, Priya!", customer_name="Priya")
    voided = give(MONDAY_LATE, order_ref="T-17")
    void_at(voided.id, MONDAY_LATE)

    result = sync_cli("export", "--date", "2026-11-23")

    assert result.exit_code == 0, result.output
    assert "2026-11-23 #1: 2 comps (1 voided), 1 shifts" in result.output
    names = sorted(p.name for p in outbox.iterdir())
    assert names == [
        f"{STORE}_2026-11-23_001.{kind}"
        for kind in ("comps.csv", "manifest.json", "shifts.csv", "stories.csv")
    ]
    signed = json.loads((outbox / f"{STORE}_2026-11-23_001.manifest.json").read_text())
    body = signed["manifest"]
    assert body["format_version"] == manifest.FORMAT_VERSION
    assert (body["store_id"], body["business_date"], body["sequence"]) == (STORE, "2026-11-23", 1)
    assert body["totals"] == {
        "EUR": {"comps": 1, "value": 180, "voided_comps": 1, "voided_value": 180}
    }
    for kind, entry in body["files"].items():
        data = (outbox / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data), kind
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), kind
    assert body["files"]["comps"]["rows"] == 2
    key = signing.load_or_create(outbox.parent)
    public = signing.parse_public_key(signing.public_key_text(key))
    assert manifest.signature_holds(signed, public)
    comps_file = rows(outbox / body["files"]["comps"]["name"])
    assert [c["comp_id"] for c in comps_file] == [str(kept.id), str(voided.id)]
    assert comps_file[0]["note"] == "Happy birthday, Priya!"
    assert "Priya" not in {c.get("customer_name") for c in comps_file}  # no customer names leave
    assert comps_file[1]["status"] == "voided"
    assert comps_file[1]["voided_by"] == "Manager Mo"
    assert comps_file[1]["order_ref"] == "T-17"
    assert comps_file[0]["staff_name"] == "Ana"


def test_a_cell_that_a_spreadsheet_would_run_is_written_harmless(give, sync_cli, outbox):
    give(MONDAY_MORNING, note='=HYPERLINK("http://evil")', order_ref="+1-555")

    sync_cli("export", "--date", "2026-11-23")

    [row] = rows(outbox / f"{STORE}_2026-11-23_001.comps.csv")
    assert row["note"] == '\'=HYPERLINK("http://evil")'
    assert row["order_ref"] == "'+1-555"


def test_a_day_not_closed_yet_is_refused_with_the_last_closed_day(give, sync_cli, outbox):
    result = sync_cli("export", "--date", "2026-11-24")

    assert result.exit_code == 1
    assert (
        "2026-11-24 has not closed yet: the last closed business day is 2026-11-23."
        in result.output
    )
    assert not outbox.exists()


def test_exporting_an_unchanged_day_again_writes_nothing(give, sync_cli, outbox):
    give(MONDAY_MORNING)
    sync_cli("export")

    again = sync_cli("export", "--date", "2026-11-23")

    assert again.exit_code == 0
    assert "2026-11-23 #1: unchanged since it was exported, nothing written." in again.output
    assert len(list(outbox.iterdir())) == 4


def test_a_late_void_sends_the_day_again_as_the_next_sequence(
    give, void_at, sync_cli, outbox, clock
):
    comp = give(MONDAY_MORNING)
    sync_cli("export")
    clock.now += timedelta(hours=1)
    void_at(comp.id, clock.now)  # Tuesday: a manager voids Monday's comp

    result = sync_cli("export")

    assert "2026-11-23 #2 (supersedes #1): 1 comps (1 voided)" in result.output
    second = read_manifest(outbox / f"{STORE}_2026-11-23_002.manifest.json")
    assert second["supersedes"] == 1
    assert second["totals"]["EUR"]["voided_comps"] == 1
    status = sync_cli("status").output
    assert "2026-11-23      2  exported" in status
    assert "2026-11-23      1  superseded" in status


def test_a_comp_approved_over_the_allowance_names_who_asked_and_who_approved(
    give, make_staff, sync_cli, outbox
):
    mo = make_staff(Role.MANAGER, name="Mo")
    give(MONDAY_MORNING, approver=mo)

    sync_cli("export")

    (row,) = rows(outbox / f"{STORE}_2026-11-23_001.comps.csv")
    asked, approved = (
        (row["staff_id"], row["staff_name"]),
        (row["approved_by_id"], row["approved_by_name"]),
    )
    assert asked[1] == "Ana"
    assert approved == (str(mo.id), "Mo")


def test_the_days_starred_stories_go_out_with_the_customer_and_the_note(
    give, star_at, void_at, sync_cli, outbox
):
    starred = give(MONDAY_MORNING, note="Happy birthday, Priya!", customer_name="Priya")
    give(MONDAY_MORNING + timedelta(minutes=5), note="Not starred")
    starred_then_voided = give(MONDAY_MORNING + timedelta(minutes=9), customer_name="Sam")
    star_at(starred.id, MONDAY_MORNING + timedelta(hours=3))
    star_at(starred_then_voided.id, MONDAY_MORNING + timedelta(hours=3))
    void_at(starred_then_voided.id, MONDAY_MORNING + timedelta(hours=4))

    sync_cli("export")

    body = read_manifest(outbox / f"{STORE}_2026-11-23_001.manifest.json")
    assert body["files"]["stories"]["rows"] == 1
    (story,) = rows(outbox / f"{STORE}_2026-11-23_001.stories.csv")
    assert story == {
        "comp_id": str(starred.id),
        "starred_at": "2026-11-23T12:30:00+00:00",
        "starred_by": "Manager Mo",
        "staff_id": str(starred.staff_id),
        "staff_name": "Ana",
        "item_name": "Free cookie",
        "customer_name": "Priya",
        "note": "Happy birthday, Priya!",
    }


def test_a_story_starred_after_the_export_sends_the_day_again(
    give, star_at, sync_cli, outbox, clock
):
    comp = give(MONDAY_MORNING, note="Remembered her order")
    sync_cli("export")
    clock.now += timedelta(hours=1)
    star_at(comp.id, clock.now)  # Tuesday: the manager stars Monday's story on the wall

    result = sync_cli("export")

    assert "2026-11-23 #2 (supersedes #1): 1 comps (0 voided), 1 shifts, 1 starred story" in (
        result.output
    )
    second = read_manifest(outbox / f"{STORE}_2026-11-23_002.manifest.json")
    assert second["files"]["stories"]["rows"] == 1
    assert "#2: unchanged since it was exported, nothing written" in sync_cli("export").output


def test_a_story_unstarred_after_the_export_sends_the_day_again_without_it(
    give, star_at, sync_cli, outbox, clock
):
    comp = give(MONDAY_MORNING, note="Remembered her order")
    star_at(comp.id, MONDAY_MORNING + timedelta(hours=1))
    sync_cli("export")
    first = read_manifest(outbox / f"{STORE}_2026-11-23_001.manifest.json")
    assert first["files"]["stories"]["rows"] == 1
    clock.now += timedelta(hours=1)
    star_at(comp.id, clock.now, starred=False)

    result = sync_cli("export")

    assert "2026-11-23 #2 (supersedes #1)" in result.output
    second = read_manifest(outbox / f"{STORE}_2026-11-23_002.manifest.json")
    assert second["files"]["stories"]["rows"] == 0


def test_days_missed_while_the_till_was_off_are_caught_up_oldest_first(give, sync_cli, clock):
    give(datetime(2026, 11, 19, 12, 0, tzinfo=UTC))
    give(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))

    result = sync_cli("export")

    days = [line.split(" ")[0] for line in result.output.splitlines()]
    assert days == ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    assert "2026-11-20 #1: 0 comps (0 voided), 0 shifts" in result.output
    assert "Nothing to export" in sync_cli("export").output


def test_a_day_without_comps_is_a_valid_set_with_empty_files(give, sync_cli, outbox):
    give(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))

    sync_cli("export", "--date", "2026-11-23")

    body = read_manifest(outbox / f"{STORE}_2026-11-23_001.manifest.json")
    assert body["totals"] == {}
    assert {kind: f["rows"] for kind, f in body["files"].items()} == {
        "comps": 0,
        "shifts": 0,
        "stories": 0,
    }
    header = (outbox / f"{STORE}_2026-11-23_001.comps.csv").read_text().strip()
    assert header.split(",") == list(manifest.COMPS_COLUMNS)


def test_the_day_the_clocks_go_forward_has_23_hours_and_keeps_its_late_comps(
    give, sync_cli, outbox, clock
):
    # Sunday 2026-03-29 in London: 01:00 GMT becomes 02:00 BST. The business day
    # runs 04:00 GMT... no: from Saturday-night's 04:00 local to Sunday 04:00 local.
    before = give(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 00:30 GMT, Saturday's business
    after = give(datetime(2026, 3, 29, 2, 30, tzinfo=UTC))  # 03:30 BST, still Saturday's
    sunday = give(datetime(2026, 3, 29, 3, 30, tzinfo=UTC))  # 04:30 BST: Sunday's
    clock.now = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)

    sync_cli("export")

    saturday = read_manifest(outbox / f"{STORE}_2026-03-28_001.manifest.json")
    assert saturday["business_day"] == {
        "starts_at": "2026-03-28T04:00:00+00:00",
        "ends_at": "2026-03-29T03:00:00+00:00",
    }
    ids = {r["comp_id"] for r in rows(outbox / f"{STORE}_2026-03-28_001.comps.csv")}
    assert ids == {str(before.id), str(after.id)}
    sunday_ids = {r["comp_id"] for r in rows(outbox / f"{STORE}_2026-03-29_001.comps.csv")}
    assert sunday_ids == {str(sunday.id)}


def test_sync_key_prints_the_store_and_its_public_key_and_keeps_the_secret_private(
    sync_cli, outbox
):
    result = sync_cli("key")

    store_id, key = result.output.split()
    assert store_id == STORE
    signing.parse_public_key(key)
    assert sync_cli("key").output == result.output
    key_file = signing.key_path(outbox.parent)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_sync_run_copies_each_set_to_the_folder_and_records_it_acknowledged(
    give, sync_cli, app, tmp_path
):
    share = tmp_path / "share"
    app.config["POS_PLUGIN_SETTINGS"] = _with_sync(app, folder=str(share))
    give(MONDAY_MORNING)

    result = sync_cli("run")

    assert result.exit_code == 0, result.output
    assert "2026-11-23 #1: acknowledged via folder: copied to" in result.output
    assert len([p for p in share.iterdir() if not p.name.startswith(".")]) == 4
    assert "acknowledged" in sync_cli("status").output


def test_sync_run_says_when_the_folder_cannot_be_written_and_retries_later(
    give, sync_cli, app, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config["POS_PLUGIN_SETTINGS"] = _with_sync(app, folder=str(blocker))
    give(MONDAY_MORNING)

    result = sync_cli("run")

    assert result.exit_code == 1
    assert "1 file set(s) not delivered" in result.output
    assert "failed" in sync_cli("status").output


def _with_sync(app, **keys):
    import dataclasses

    settings = app.config["POS_PLUGIN_SETTINGS"]
    return dataclasses.replace(settings, sync=dataclasses.replace(settings.sync, **keys))
