"""Backups a store can trust: taken while the shop taps, checked, kept for a while, and put
back only on purpose, with the database as it was kept aside."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import stat
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from pos_plugin import backups, create_app
from pos_plugin.backup_commands import human_size
from pos_plugin.cli import cli
from pos_plugin.database import db, write_transaction
from pos_plugin.lifecycle import SCHEMA_HEAD
from pos_plugin.models import CatalogItem, Comp, Role
from pos_plugin.money import Money
from pos_plugin.services import catalog, comps
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store
from pos_plugin.settings import AllowanceSettings
from pos_plugin.sync.scheduler import SyncScheduler

MANAGER = Actor(role=Role.MANAGER, label="Manager Mo")


@pytest.fixture
def store(
    tmp_path: Path, empty_database_url: str, settings_for: Callable[..., Any], clock: Any
) -> Iterator[Flask]:
    """A store made by `pos-plugin init`, one item on its catalog and no cap on comps."""
    settings = dataclasses.replace(
        settings_for(tmp_path / "home", empty_database_url),
        allowance=AllowanceSettings(amount=10**9, max_comps=None),
    )
    app = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
    result = app.test_cli_runner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    with app.app_context(), write_transaction():
        catalog.add_item(
            MANAGER, get_store(), name="Cookie", value=Money(180, "EUR"), icon="🍪", now=clock.now
        )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def tap(app: Flask, now: datetime) -> uuid.UUID:
    with app.app_context(), write_transaction():
        item_id = db.session.scalar(sa.select(CatalogItem.id))
        return comps.record_comp(
            MANAGER, get_store(), CompRequest(item_id=item_id), now, str(uuid.uuid4())
        ).comp.id


def comp_ids(app: Flask) -> set[uuid.UUID]:
    with app.app_context():
        try:
            return set(db.session.scalars(sa.select(Comp.id)))
        finally:
            db.session.remove()


def ids_in(backup: backups.Backup) -> set[uuid.UUID]:
    """The comps a backup holds, read the way a person restoring it would."""
    if backup.path.suffix == ".db":
        with sqlite3.connect(backup.path) as connection:
            return {uuid.UUID(row[0]) for row in connection.execute("SELECT id FROM comp")}
    # pg_restore writes the dump's comp rows as the COPY text of a plain SQL script.
    script = subprocess.run(
        ["pg_restore", "--data-only", "--table=comp", "--file=-", str(backup.path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = script.split("FROM stdin;\n", 1)[1].split("\n\\.\n", 1)[0].splitlines()
    return {uuid.UUID(row.split("\t", 1)[0]) for row in rows}


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(cli, list(args))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- taking one ---------------------------------------------------------------------------------


def test_a_backup_taken_while_eight_tablets_tap_holds_every_comp_committed_before_it(store, clock):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    committed: list[uuid.UUID] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def tablet() -> None:
        try:
            for _ in range(400):
                if stop.is_set():
                    return
                committed.append(tap(store, clock.now))
        except BaseException as exc:  # reported by the test, not lost in a thread
            failures.append(exc)

    tablets = [threading.Thread(target=tablet) for _ in range(8)]
    for thread in tablets:
        thread.start()
    while len(committed) < 40 and not failures:
        threading.Event().wait(0.01)
    before = set(committed)
    taken = backups.take(settings, clock.now)
    during = len(committed)
    stop.set()
    for thread in tablets:
        thread.join()

    assert failures == []
    held = ids_in(taken)
    assert before <= held  # every comp acknowledged before the backup began
    assert held <= set(committed)  # and nothing that was never acknowledged
    assert len(committed) > len(before) or during == len(before)
    if taken.path.suffix == ".db":
        assert backups.check(taken.path).comps == len(held)  # opens cleanly, integrity ok


def test_backup_prints_where_it_went_and_keeps_it_private(store, backend):
    result = run(store, "backup")

    assert result.exit_code == 0, result.output
    (taken,) = backups.listed(store.config["POS_PLUGIN_SETTINGS"])
    how = "with pg_dump " if backend == "postgresql" else ""
    assert result.output.startswith(f"Backed up the database {how}to {taken.path} (")
    if backend == "sqlite":
        assert f", 0 comps of test-cafe, schema {SCHEMA_HEAD}; checked)" in result.output
    assert mode(taken.path) == 0o600
    assert mode(taken.path.parent) == 0o700


def test_backup_to_a_folder_of_ones_choosing_and_a_clear_error_for_a_file(store, tmp_path):
    stick = tmp_path / "usb stick"

    assert run(store, "backup", "--to", str(stick)).exit_code == 0
    assert len(list(stick.iterdir())) == 1

    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    result = run(store, "backup", "--to", str(not_a_folder))
    assert result.exit_code == 1
    assert result.output == f"Error: {not_a_folder} is a file, not a folder to put backups in.\n"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_on_postgresql_a_backup_is_a_pg_dump_that_pg_restore_reads(store, clock):
    tap(store, clock.now)

    result = run(store, "backup")

    assert result.exit_code == 0, result.output
    (taken,) = backups.listed(store.config["POS_PLUGIN_SETTINGS"])
    assert taken.path.suffix == ".dump"
    assert len(ids_in(taken)) == 1
    result = run(store, "restore", str(taken.path))
    assert result.exit_code == 1
    assert "put a backup back with pg_restore: stop the service, then run `pg_restore" in (
        result.output
    )


def test_old_backups_are_removed_after_keep_days_but_never_the_newest(store, clock):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    days = settings.backup.keep_days
    old = [backups.take(settings, clock.now - timedelta(days=days + n)) for n in (3, 2, 1)]
    kept = backups.take(settings, clock.now - timedelta(days=days - 1))
    stranger = backups.folder(settings) / "notes.txt"
    stranger.write_text("not a backup")

    assert backups.prune(settings, clock.now) == [b.path for b in reversed(old)]
    assert [b.path for b in backups.listed(settings)] == [kept.path]
    assert stranger.exists()
    # Only old ones left: the newest stays, whatever its age.
    assert backups.prune(settings, clock.now + timedelta(days=365)) == []


# -- every night, after the sync ----------------------------------------------------------------


def test_the_scheduler_backs_up_once_a_night_after_the_sync(store, clock, tmp_path):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    store.config["POS_PLUGIN_SETTINGS"] = settings = dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, folder=str(tmp_path / "share"))
    )
    scheduler = SyncScheduler(store, lambda: clock.now)

    scheduler.step()  # on start: none yet, so one now
    clock.now += timedelta(hours=1)
    scheduler.step()  # an hour later: still tonight's
    assert len(backups.listed(settings)) == 1

    clock.now += timedelta(days=1)  # past the next [sync] at
    scheduler.step()
    assert len(backups.listed(settings)) == 2


# -- putting one back ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_restore_round_trip_keeps_the_database_as_it_was_aside(store, clock):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    first = tap(store, clock.now)
    taken = backups.take(settings, clock.now)
    later = tap(store, clock.now)
    database = Path(sa.make_url(settings.database_url).database or "")

    refused = run(store, "restore", str(taken.path))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {database} already holds the store test-cafe with 2 comps; restoring replaces "
        "it with the backup. Run again with --force to restore (the current database is kept "
        "aside first).\n"
    )
    assert comp_ids(store) == {first, later}

    clock.now += timedelta(minutes=5)
    result = run(store, "restore", str(taken.path), "--force")

    assert result.exit_code == 0, result.output
    aside = next(b for b in backups.listed(settings) if "before-restore" in b.path.name)
    assert result.output.splitlines() == [
        f"Kept the database as it was aside: {aside.path}",
        f"Restored {taken.path} ({human_size(taken.size)}, 1 comp of test-cafe, schema "
        f"{SCHEMA_HEAD}) into {database}.",
        "If `pos-plugin serve` is running, restart it.",
    ]
    assert comp_ids(store) == {first}
    assert ids_in(aside) == {first, later}
    assert tap(store, clock.now)  # the store goes on from the backup
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        assert mode(path) == 0o600


@pytest.mark.parametrize("backend", ["sqlite"])
def test_restore_into_a_new_data_directory_needs_no_force(store, clock, tmp_path, settings_for):
    tap(store, clock.now)
    taken = backups.take(store.config["POS_PLUGIN_SETTINGS"], clock.now)
    new_home = tmp_path / "new till"
    new = create_app(
        {"SETTINGS": settings_for(new_home, f"sqlite:///{new_home / 'pos-plugin.db'}")}
    )

    result = run(new, "restore", str(taken.path))

    assert result.exit_code == 0, result.output
    assert len(comp_ids(new)) == 1
    assert mode(new_home / "pos-plugin.db") == 0o600


@pytest.mark.parametrize("backend", ["sqlite"])
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(store, clock, tmp_path):
    kept = tap(store, clock.now)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(8192))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    taken = backups.take(store.config["POS_PLUGIN_SETTINGS"], clock.now)
    newer.write_bytes(taken.path.read_bytes())
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")

    for path, message in [
        (tmp_path / "missing.db", f"{tmp_path / 'missing.db'} is not a file."),
        (garbage, f"{garbage} is not a readable SQLite database: file is not a database."),
        (other, f"{other} is a SQLite database, but not one of On the House."),
        (
            newer,
            f"{newer} was taken by a newer version of On the House (schema "
            "0099_from_the_future); restore it with that version.",
        ),
    ]:
        result = run(store, "restore", str(path), "--force")
        assert result.exit_code == 1
        assert result.output == f"Error: {message}\n"
    assert comp_ids(store) == {kept}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_database_that_cannot_be_read_is_moved_aside_and_replaced(store, clock):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    kept = tap(store, clock.now)
    taken = backups.take(settings, clock.now)
    with store.app_context():
        db.engine.dispose()
    database = Path(sa.make_url(settings.database_url).database or "")
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = bytearray(database.read_bytes())
    damaged[:16] = b"\0" * 16  # the header is gone
    database.write_bytes(bytes(damaged))

    result = run(store, "restore", str(taken.path), "--force")

    assert result.exit_code == 0, result.output
    assert comp_ids(store) == {kept}
    folder = backups.folder(settings)
    moved = sorted(p.name.split(".before-restore-")[0] for p in folder.glob("*.before-restore-*"))
    assert moved == [database.name, f"{database.name}-shm", f"{database.name}-wal"]


def test_backup_stamps_names_in_utc(store):
    settings = store.config["POS_PLUGIN_SETTINGS"]
    at = datetime(2026, 12, 7, 2, 30, 15, tzinfo=UTC)

    taken = backups.take(settings, at)

    assert taken.path.name.startswith("pos-plugin-test-cafe-20261207T023015Z")
    assert backups.newest(settings) == dataclasses.replace(
        taken, revision=None, store_id=None, comps=None
    )
