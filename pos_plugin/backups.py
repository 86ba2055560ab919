"""Backups of the store's database: taken online, checked, kept for `[backup] keep_days`,
and put back only on purpose.

SQLite: Python's `sqlite3.Connection.backup` (SQLite's online backup API) copies the
whole database in one step, that is in one read transaction: taps go on while it
runs (WAL), and the copy holds every comp committed before it began. The copy is
written under a hidden name, checked with `PRAGMA integrity_check`, and only then
given its final name, so a file named like a backup is one. Restoring goes the same
way in reverse, into the database file itself, never by copying files over it.

PostgreSQL: a backup is `pg_dump --format=custom`, checked with `pg_restore --list`;
putting one back is `pg_restore`'s job, and `restore` says how.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import URL, make_url

from pos_plugin.database import BUSY_TIMEOUT_MS
from pos_plugin.private_files import sqlite_files, sqlite_path
from pos_plugin.settings import Settings

_STAMP = "%Y%m%dT%H%M%SZ"
# pos-plugin-cafe-001-20261207T023000Z.db, ...-before-upgrade.db, ...-2.dump
_NAME = re.compile(r"^pos-plugin-.+-(?P<stamp>\d{8}T\d{6}Z)(?:-[a-z0-9-]+)?\.(?:db|dump)$")
PG_DUMP_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why in one line."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    size: int
    # What the backup holds, where it could be read (SQLite backups).
    revision: str | None = None
    store_id: str | None = None
    comps: int | None = None


@dataclass(frozen=True)
class Restored:
    backup: Backup
    into: Path
    # The database as it was before, taken as a backup (or its files moved, if unreadable).
    aside: Path | None


def folder(settings: Settings) -> Path:
    return settings.in_home(settings.backup.dir)


def _sqlite_file(settings: Settings) -> Path | None:
    """The store's SQLite file, or None when the database is not SQLite."""
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        return None
    path = sqlite_path(settings.database_url)
    if path is None:
        raise BackupError("Only a SQLite database in a file can be backed up here.")
    return path


# -- taking one -------------------------------------------------------------------------------


def take(settings: Settings, now: datetime, *, to: Path | None = None, label: str = "") -> Backup:
    """Back the store's database up into `to` (default the backup folder) and check it."""
    target = to if to is not None else folder(settings)
    _make_folder(target)
    source = _sqlite_file(settings)
    suffix = ".db" if source is not None else ".dump"
    final = _free_name(
        target, f"pos-plugin-{settings.store.id}-{now.astimezone(UTC):{_STAMP}}", label, suffix
    )
    draft = target / f".{final.name}.partial"
    try:
        os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        if source is not None:
            _sqlite_backup(source, draft)
        else:
            _pg_dump(make_url(settings.database_url), draft)
        _fsync(draft)
        os.replace(draft, final)
        _fsync(target)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup in {target}: {exc.strerror or exc}.") from None
    finally:
        with suppress(FileNotFoundError):
            draft.unlink()
    taken = now.astimezone(UTC).replace(microsecond=0)
    if source is None:
        return Backup(path=final, taken_at=taken, size=final.stat().st_size)
    return _with_contents(Backup(path=final, taken_at=taken, size=final.stat().st_size))


def _make_folder(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise BackupError(f"{path} is a file, not a folder to put backups in.") from None
    except OSError as exc:
        raise BackupError(f"Cannot make the folder {path}: {exc.strerror or exc}.") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise BackupError(f"The folder {path} cannot be written to by this user.")


def _free_name(target: Path, stem: str, label: str, suffix: str) -> Path:
    # Two backups in the same second (a manual one right after the nightly) both stay.
    candidate, n = target / f"{stem}{label}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = target / f"{stem}{label}-{n}{suffix}"
    return candidate


def _sqlite_backup(source: Path, draft: Path) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet: run `pos-plugin init`.")
    try:
        with _sqlite(source) as live, _sqlite(draft) as copy:
            live.backup(copy)  # all pages in one step: one consistent read of the database
            # A backup is a file to keep and move, not a live database: no -wal beside it.
            copy.execute("PRAGMA journal_mode = DELETE")
            _check_integrity(copy, draft)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup could not be taken: {exc}.") from None


@contextmanager
def _sqlite(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.as_uri()}?mode=ro" if read_only else path.as_uri()
    with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as connection:
        yield connection


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} failed its integrity check: {problems[0]}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pg_dump(url: URL, draft: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "On PostgreSQL a backup is pg_dump's job, and pg_dump is not installed here: "
            "install the PostgreSQL client (Debian: apt-get install postgresql-client)."
        )
    command = [pg_dump, "--format=custom", f"--file={draft}", *_pg_args(url)]
    _run(command, _pg_env(url), "pg_dump")
    # pg_restore reads the archive's table of contents: a truncated dump fails here.
    pg_restore = shutil.which("pg_restore")
    if pg_restore is not None:
        _run([pg_restore, "--list", str(draft)], None, "pg_restore --list")


def _pg_args(url: URL) -> list[str]:
    """pg_dump's connection arguments: the database URL for libpq, and the schema when
    the URL chooses one through `options=-csearch_path=...`."""
    query = dict(url.query)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    args = [f"--dbname={libpq}"]
    match = re.search(r"-c\s*search_path=([^\s,]+)", str(query.get("options", "")))
    if match:
        args.append(f"--schema={match.group(1)}")
    return args


def _pg_env(url: URL) -> dict[str, str]:
    # The password goes in the environment, not on a command line others can read.
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list[str], env: dict[str, str] | None, what: str) -> None:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {PG_DUMP_TIMEOUT_S} s.") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise BackupError(f"{what} failed: {lines[0]}")


# -- what is there, and keeping it tidy -------------------------------------------------------


def _taken_at(path: Path) -> datetime | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)


def listed(settings: Settings) -> list[Backup]:
    """The backups in the backup folder, newest first (other files there are left alone)."""
    try:
        entries = list(folder(settings).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for path in entries:
        taken = _taken_at(path)
        if taken is not None and path.is_file():
            found.append(Backup(path=path, taken_at=taken, size=path.stat().st_size))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def newest(settings: Settings) -> Backup | None:
    backups = listed(settings)
    return backups[0] if backups else None


def prune(settings: Settings, now: datetime) -> list[Path]:
    """Remove the backups older than `[backup] keep_days`, always keeping the newest."""
    limit = now - timedelta(days=settings.backup.keep_days)
    removed = []
    for backup in listed(settings)[1:]:
        if backup.taken_at < limit:
            with suppress(FileNotFoundError):
                backup.path.unlink()
            removed.append(backup.path)
    return removed


def due(settings: Settings, now: datetime, zone: ZoneInfo) -> bool:
    """Whether the nightly backup is owed: none taken since the last nightly sync time."""
    from pos_plugin.sync.scheduler import next_daily_run

    last_run = next_daily_run(now - timedelta(days=1), zone, settings.sync.at)
    latest = newest(settings)
    return latest is None or latest.taken_at < last_run.replace(microsecond=0)


# -- checking and restoring -------------------------------------------------------------------


def check(path: Path) -> Backup:
    """Open a SQLite backup read-only and check it: integrity, schema and store."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    backup = Backup(
        path=path,
        taken_at=_taken_at(path) or datetime.fromtimestamp(path.stat().st_mtime, UTC),
        size=path.stat().st_size,
    )
    try:
        with _sqlite(path, read_only=True) as connection:
            _check_integrity(connection, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}.") from None
    checked = _with_contents(backup)
    if checked.revision is None or checked.store_id is None:
        raise BackupError(f"{path} is a SQLite database, but not one of On the House.")
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from pos_plugin.lifecycle import MIGRATIONS_DIR

    try:
        ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(checked.revision)
    except CommandError:
        raise BackupError(
            f"{path} was taken by a newer version of On the House (schema {checked.revision}); "
            "restore it with that version."
        ) from None
    return checked


def _with_contents(backup: Backup, *, read_only: bool = True) -> Backup:
    """The backup with its schema revision, store and number of comps, where it has them."""
    with _sqlite(backup.path, read_only=read_only) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if not {"alembic_version", "store", "comp"} <= tables:
            return backup
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        store = connection.execute("SELECT id FROM store LIMIT 1").fetchone()
        comps = connection.execute("SELECT count(*) FROM comp").fetchone()[0]
    return Backup(
        path=backup.path,
        taken_at=backup.taken_at,
        size=backup.size,
        revision=revision[0] if revision else None,
        store_id=store[0] if store else None,
        comps=comps,
    )


def restore(settings: Settings, path: Path, now: datetime, *, force: bool) -> Restored:
    """Put a checked backup in place of the store's database, keeping the current one aside.

    Without `force`, a database that holds a store is never overwritten.
    """
    into = _sqlite_file(settings)
    if into is None:
        raise BackupError(
            "On PostgreSQL, put a backup back with pg_restore: stop the service, then run "
            f"`{restore_command(path)}`."
        )
    backup = check(path)
    if backup.path.resolve() == into:
        raise BackupError(f"{path} is the store's database itself, not a backup of it.")
    current = _current(into)
    if current is not None and not force:
        raise BackupError(
            f"{into} already holds {current}; restoring replaces it with the backup. "
            "Run again with --force to restore (the current database is kept aside first)."
        )
    aside = _keep_aside(settings, into, now) if current is not None else None
    if not into.exists():
        into.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(into, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        with _sqlite(backup.path, read_only=True) as source, _sqlite(into) as live:
            source.backup(live)
            live.execute("PRAGMA journal_mode = WAL")
            _check_integrity(live, into)
    except sqlite3.Error as exc:
        raise BackupError(f"The restore into {into} failed: {exc}.") from None
    for file in sqlite_files(settings.database_url):
        file.chmod(0o600)
    return Restored(backup=backup, into=into, aside=aside)


def restore_command(backup: Path) -> str:
    """The one command that puts `backup` back."""
    if backup.suffix == ".dump":
        return f"pg_restore --clean --if-exists --no-owner --dbname=DATABASE_URL {backup}"
    return f"pos-plugin restore {backup} --force"


def _current(into: Path) -> str | None:
    """What the database now holds, in words; None when there is no store in it to lose."""
    if not into.exists():
        return None
    try:
        held = _with_contents(
            Backup(path=into, taken_at=datetime.now(UTC), size=0), read_only=False
        )
    except sqlite3.DatabaseError as exc:
        return f"a database that cannot be read ({exc})"
    if held.store_id is None:
        return None
    return f"the store {held.store_id} with {held.comps} comps"


def _keep_aside(settings: Settings, into: Path, now: datetime) -> Path:
    try:
        return take(settings, now, label="-before-restore").path
    except BackupError:
        # Unreadable (the reason to restore, often): its files are moved aside as they are.
        aside = folder(settings)
        _make_folder(aside)
        stamp = f"{now.astimezone(UTC):{_STAMP}}"
        for file in sqlite_files(settings.database_url):
            file.replace(aside / f"{file.name}.before-restore-{stamp}")
        return aside / f"{into.name}.before-restore-{stamp}"
