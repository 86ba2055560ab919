"""The data directory is the service user's only: made so, kept so, and start-up refused
where it cannot be."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from pos_plugin import create_app
from pos_plugin.cli import cli
from pos_plugin.database import db
from pos_plugin.private_files import loose_paths, make_private

NOBODY = 65534
# Python starts children with the parent's umask; a shell's usual one, set explicitly.
USUAL_UMASK = 0o022


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_under(home: Path) -> dict[str, int]:
    """Each path in `home` (itself as "."), relative, with its permission bits."""
    found = {".": mode(home)}
    for path in home.rglob("*"):
        found[str(path.relative_to(home))] = mode(path)
    return found


def pos_plugin(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console script, started from a shell with the usual umask."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    return subprocess.run(
        [sys.executable, "-m", "pos_plugin", *args],
        env=env | {"POS_PLUGIN_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        umask=USUAL_UMASK,
    )


@pytest.mark.console_script
def test_init_leaves_the_data_directory_and_everything_in_it_private(tmp_path):
    home = tmp_path / "home"
    assert pos_plugin(home, "init").returncode == 0
    assert pos_plugin(home, "sync", "key").returncode == 0  # makes keys/

    modes = modes_under(home)
    assert {"pos-plugin.db", "secret_key", "keys", "keys/sync-signing-key.pem"} <= set(modes)
    assert modes.pop(".") == 0o700
    assert modes.pop("keys") == 0o700
    assert set(modes.values()) == {0o600}


@pytest.mark.console_script
def test_loose_paths_are_tightened_at_the_next_start_with_one_warning_naming_them(tmp_path):
    home = tmp_path / "home"
    pos_plugin(home, "init")
    home.chmod(0o755)
    (home / "pos-plugin.db").chmod(0o644)
    (home / "outbox").mkdir(mode=0o755)
    (home / "outbox" / "day.csv").write_text("copied in by hand\n")
    (home / "outbox" / "day.csv").chmod(0o664)

    started = pos_plugin(home, "staff", "list")

    assert started.returncode == 0
    warnings = [line for line in started.stderr.splitlines() if "other users could read" in line]
    assert len(warnings) == 1
    for name in ("./", "pos-plugin.db", "outbox", "outbox/day.csv"):
        assert name in warnings[0]
    assert modes_under(home) == {
        ".": 0o700,
        "pos-plugin.db": 0o600,
        "secret_key": 0o600,
        "outbox": 0o700,
        "outbox/day.csv": 0o600,
    }
    assert pos_plugin(home, "staff", "list").stderr == ""  # nothing left to say


def test_sqlite_gives_its_wal_and_shm_files_the_database_files_own_mode(tmp_path):
    """Why the database file is made 0600 before SQLite first opens it."""
    for file_mode in (0o600, 0o644):
        path = tmp_path / f"{file_mode:o}.db"
        path.touch(mode=file_mode)
        path.chmod(file_mode)
        with closing(sqlite3.connect(path)) as database:
            database.execute("PRAGMA journal_mode = WAL")
            database.execute("CREATE TABLE comp (id INTEGER PRIMARY KEY)")
            database.commit()
            for suffix in ("-wal", "-shm"):
                assert mode(path.with_name(path.name + suffix)) == file_mode


@contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_sqlite_database_outside_the_data_directory_is_private_from_the_start(
    tmp_path, settings_for
):
    database = tmp_path / "elsewhere" / "store.db"
    database.parent.mkdir()
    settings = settings_for(tmp_path / "home", f"sqlite:///{database}")
    with umask(USUAL_UMASK):
        app = create_app({"SETTINGS": settings})
        with app.app_context():
            db.create_all()
            with db.engine.connect():  # its -wal and -shm exist while a connection is open
                for suffix in ("", "-wal", "-shm"):
                    assert mode(database.with_name(database.name + suffix)) == 0o600
            db.engine.dispose()


def test_a_loose_sqlite_database_outside_the_data_directory_is_tightened_too(
    tmp_path, settings_for, caplog
):
    database = tmp_path / "store.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    wal = tmp_path / "store.db-wal"  # left by a process that was killed
    wal.touch()
    wal.chmod(0o644)
    settings = settings_for(tmp_path / "home", f"sqlite:///{database}")

    with caplog.at_level(logging.WARNING, "pos_plugin.private_files"):
        create_app({"SETTINGS": settings})

    assert mode(database) == mode(wal) == 0o600
    assert str(database) in caplog.text
    assert str(wal) in caplog.text


def test_the_walk_follows_no_link_out_of_the_directory_and_passes_over_sockets(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    outside = tmp_path / "shared.txt"
    outside.write_text("not ours to change")
    outside.chmod(0o644)
    (home / "shared-link").symlink_to(outside)
    (tmp_path / "public").mkdir(mode=0o755)
    (home / "public-link").symlink_to(tmp_path / "public")
    with closing(socket.socket(socket.AF_UNIX)) as listener:
        listener.bind(str(home / "printer.sock"))
        (home / "printer.sock").chmod(0o777)

        assert loose_paths(home) == []
        assert make_private(home) == []

        assert mode(outside) == 0o644
        assert mode(tmp_path / "public") == 0o755
        assert mode(home / "printer.sock") == 0o777


def test_loose_paths_lists_what_make_private_then_tightens_and_no_more(tmp_path):
    home = tmp_path / "home"
    (home / "spool").mkdir(parents=True, mode=0o700)
    home.chmod(0o750)
    (home / "spool" / "job.bin").write_bytes(b"\x1b@")
    (home / "spool" / "job.bin").chmod(0o640)
    (home / "spool" / "done.bin").write_bytes(b"\x1b@")
    (home / "spool" / "done.bin").chmod(0o400)  # private and read-only: left read-only

    loose = loose_paths(home)

    assert sorted(loose) == [home, home / "spool" / "job.bin"]
    assert sorted(make_private(home)) == sorted(loose)
    assert loose_paths(home) == []
    assert mode(home) == 0o700
    assert mode(home / "spool" / "job.bin") == 0o600
    assert mode(home / "spool" / "done.bin") == 0o400


@pytest.fixture
def traversable_tmp() -> Iterator[Path]:
    """A temporary directory another user can pass through (pytest's own is root's only)."""
    with tempfile.TemporaryDirectory() as name:
        os.chmod(name, 0o711)
        yield Path(name)


@contextmanager
def as_user(uid: int) -> Iterator[None]:
    """Act as `uid` for file permissions, as a service user would; back to root after."""
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)


def run_cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        list(args),
        obj=ScriptInfo(create_app=create_app),
        env={"POS_PLUGIN_HOME": str(home), "POS_PLUGIN_CONFIG": None},
    )
    return result.exit_code, result.output


def chown_tree(top: Path, uid: int) -> None:
    os.chown(top, uid, -1)
    for path in top.rglob("*"):
        os.chown(path, uid, -1, follow_symlinks=False)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_a_path_the_service_user_cannot_tighten_refuses_start_up_with_the_fix(traversable_tmp):
    home = traversable_tmp / "home"
    assert run_cli(home, "init")[0] == 0  # as root: loads what the command imports
    chown_tree(home, NOBODY)  # the data directory of a service user...
    (home / "outbox").mkdir(mode=0o755)  # ...in which root once ran `sync export`

    with as_user(NOBODY):
        code, output = run_cli(home, "staff", "list")

    assert code == 1
    assert output.count("\n") == 1
    assert f"{home / 'outbox'} is open to other users (mode 0755, owner uid 0)" in output
    fix = f"sudo chown -R nobody {home} && sudo chmod -R u=rwX,go= {home}"
    assert f"run `{fix}`, then start again." in output

    subprocess.run(fix.replace("sudo ", ""), shell=True, check=True)  # as root, as sudo would
    with as_user(NOBODY):
        assert run_cli(home, "staff", "list") == (0, "")
