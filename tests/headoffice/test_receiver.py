"""The upload receiver's rules: ingest left to the worker, a quota on files waiting without a
manifest, the day-old clean-up, and answers that never name a path on head office's disk."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from pathlib import Path

import pytest

from pos_plugin.headoffice.receiver import create_app
from pos_plugin.headoffice.worker import IngestWorker
from pos_plugin.sync.fileset import parse_name

from .conftest import NOW, comp_row
from .test_ingest import sets_of

UPLOAD = "/api/v1/sync/upload/"


@pytest.fixture
def head_office(ho_engine, settings_for, tmp_path, empty_database_url):
    """(settings, test client, worker not running): the worker's rounds are run by hand."""
    settings = settings_for(tmp_path / "ho-home", empty_database_url)
    settings = dataclasses.replace(
        settings,
        headoffice=dataclasses.replace(
            settings.headoffice, max_waiting_files=4, max_waiting_bytes=4000
        ),
    )
    app = create_app(settings, ho_engine, clock=lambda: NOW)
    return settings, app.test_client(), IngestWorker(settings, ho_engine, lambda: NOW)


def post(client, keys, path: Path, name: str | None = None):
    return client.post(
        UPLOAD + (name or path.name),
        data=path.read_bytes(),
        headers={"Authorization": f"Bearer {keys.token}"},
    )


def upload_set(client, keys, manifest: Path) -> list[int]:
    parsed = parse_name(manifest.name)
    assert parsed is not None
    names = parsed[0].all_files()
    return [post(client, keys, manifest.parent / name).status_code for name in names]


def ask(client, keys, manifest: Path):
    return client.get(UPLOAD + manifest.name, headers={"Authorization": f"Bearer {keys.token}"})


def inbox_of(settings, store_id="cafe-001") -> Path:
    return settings.in_home(settings.headoffice.inbox) / store_id


def age(path: Path, by: timedelta) -> None:
    then = (NOW - by).timestamp()
    os.utime(path, (then, then))


def test_a_manifest_is_queued_and_only_the_worker_ingests_it(
    head_office, register, make_set, tmp_path, ho_engine
):
    settings, client, worker = head_office
    keys = register()
    manifest = make_set(keys, folder=tmp_path / "store")

    assert upload_set(client, keys, manifest) == [201, 201, 201, 202]
    assert sets_of(ho_engine) == []  # nothing ingested inside the request
    assert ask(client, keys, manifest).json["status"] == "queued"

    [outcome] = worker.run_once()

    assert outcome.status == "ingested"
    answer = ask(client, keys, manifest)
    assert answer.status_code == 200
    assert answer.json == {
        "status": "ingested",
        "detail": "ingested: 1 comps of cafe-001 on 2026-11-23",
    }
    assert len(sets_of(ho_engine)) == 1
    assert sorted(p.name for p in inbox_of(settings).iterdir()) == ["outcomes"]
    archived = settings.in_home(settings.headoffice.archive) / "cafe-001"
    assert len(list(archived.iterdir())) == 4  # the set, as `headoffice ingest` archives it


def test_a_refused_set_is_answered_with_the_file_and_reason_and_no_server_path(
    head_office, register, make_set, tmp_path
):
    settings, client, worker = head_office
    keys = register()
    manifest = make_set(keys, [comp_row(value_amount=-5)], folder=tmp_path / "store")
    upload_set(client, keys, manifest)

    [outcome] = worker.run_once()
    answer = ask(client, keys, manifest)

    assert str(settings.home) in outcome.message  # head office's own log keeps the path
    assert answer.status_code == 422
    detail = answer.json["detail"]
    assert detail.startswith("cafe-001_2026-11-23_001.comps.csv: line 2: value_amount '-5' is")
    assert "moved to quarantine/cafe-001_2026-11-23_001." in detail
    assert str(tmp_path) not in detail
    assert str(settings.home.resolve()) not in detail


def test_files_waiting_without_a_manifest_are_held_to_the_store_s_quota(
    head_office, register, make_set, tmp_path
):
    _, client, _ = head_office
    keys = register()
    parked = [make_set(keys, sequence=n, folder=tmp_path / "store") for n in (7, 8, 9)]
    comps = [m.with_name(m.name.replace("manifest.json", "comps.csv")) for m in parked]
    shifts = parked[0].with_name(parked[0].name.replace("manifest.json", "shifts.csv"))

    assert [post(client, keys, p).status_code for p in (*comps[:2], shifts)] == [201, 201, 201]
    assert post(client, keys, comps[0]).status_code == 201  # the same file again takes no room
    assert post(client, keys, comps[2]).status_code == 201  # the fourth file, at the limit
    refused = post(client, keys, shifts.with_name(shifts.name.replace("_007.", "_008.")))

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert refused.json["detail"].startswith("cafe-001_2026-11-23_008.shifts.csv: 4 files (")
    assert "at most 4 files or 4000 bytes may" in refused.json["detail"]
    # A set's manifest is never held back: it is what ends the wait.
    assert upload_set(client, keys, parked[0])[-1] == 202


def test_the_quota_counts_bytes_too(head_office, register, make_set, tmp_path):
    _, client, _ = head_office
    keys = register()
    big = make_set(keys, [comp_row() for _ in range(16)], sequence=3, folder=tmp_path / "store")
    comps = big.with_name(big.name.replace("manifest.json", "comps.csv"))
    assert comps.stat().st_size > 2000

    assert post(client, keys, comps).status_code == 201
    other = post(client, keys, comps, comps.name.replace("_003.", "_004."))

    assert other.status_code == 429


def test_what_waited_over_a_day_is_swept_away_and_frees_the_quota(
    head_office, register, make_set, tmp_path
):
    settings, client, worker = head_office
    keys = register()
    manifests = [make_set(keys, sequence=n, folder=tmp_path / "store") for n in (1, 2)]
    for manifest in manifests:
        upload_set(client, keys, manifest)
    parsed = parse_name(manifests[1].name)
    assert parsed is not None
    inbox = inbox_of(settings)
    (inbox / manifests[1].name).unlink()  # set 2 never got its manifest
    part = inbox / ".cafe-001_2026-11-23_003.comps.csv.1234.part"  # a broken upload's
    part.write_bytes(b"half")
    fresh = inbox / ".cafe-001_2026-11-23_004.comps.csv.5678.part"  # still arriving
    fresh.write_bytes(b"half")
    for path in [*inbox.iterdir()]:
        if path.is_file() and path != fresh:
            age(path, timedelta(hours=25))

    worker.run_once()

    left = sorted(p.name for p in inbox.iterdir())
    assert left == [fresh.name, "outcomes"]  # set 1 ingested and archived
    archived = settings.in_home(settings.headoffice.archive) / "cafe-001"
    assert len(list(archived.iterdir())) == 4


def test_a_token_asks_only_about_its_own_store_s_sets(head_office, register, make_set, tmp_path):
    _, client, _ = head_office
    mine, theirs = register("cafe-001"), register("cafe-002")
    manifest = make_set(theirs, folder=tmp_path / "store")

    assert ask(client, mine, manifest).status_code == 403
    assert ask(client, theirs, manifest).status_code == 404
    data = manifest.name.replace("manifest.json", "comps.csv")
    assert (
        client.get(UPLOAD + data, headers={"Authorization": f"Bearer {theirs.token}"}).json["title"]
        == "Not a manifest"
    )
    anonymous = client.get(UPLOAD + manifest.name)
    assert anonymous.status_code == 401
    assert anonymous.json["detail"].startswith(manifest.name)


def test_a_manifest_larger_than_any_manifest_is_refused_before_it_is_stored(head_office, register):
    settings, client, _ = head_office
    keys = register()
    name = "cafe-001_2026-11-23_005.manifest.json"

    answer = client.post(
        UPLOAD + name, data=b"{" * 70_000, headers={"Authorization": f"Bearer {keys.token}"}
    )

    assert answer.status_code == 413
    assert answer.json["detail"] == f"{name}: 70000 bytes is over the 65536-byte limit."
    assert not (inbox_of(settings) / name).exists()
