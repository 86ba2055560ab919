"""The data directory kept private: readable and writable by the service's own user only.

POS_PLUGIN_HOME holds the PIN hashes (in the SQLite database), the session
signing key and the sync signing key, so it is 0700 and everything in it 0600
(files) or 0700 (directories). Three things keep it so:

- `pos-plugin` runs with umask 077 (`cli.main`), so what it creates later (a
  day's sync files, a print spool, head office's inbox) is private too;
- the SQLite database file is made 0600 before SQLite first opens it: SQLite
  gives its `-wal` and `-shm` files the database file's own mode;
- every start walks the directory (`make_private`): a looser mode is tightened
  with one warning, and a path that cannot be tightened (another user's)
  refuses start-up with the command that fixes it.

The walk never follows a symbolic link and passes over sockets and devices.
A directory that belongs to another user and is already private is not
entered: nobody but its owner can reach what it holds. On Windows, modes are
not permission bits, so there is nothing to check.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import make_url

log = logging.getLogger(__name__)

# Group and others: any of their bits makes a path loose.
SHARED_BITS = 0o077
PROCESS_UMASK = 0o077
# A SQLite database's own files beside it, made with the database file's mode.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_NAMED_IN_WARNING = 5


class NotPrivate(Exception):
    """A path that other users may read and this process cannot tighten; the message
    is one line with the command that fixes it."""


def _checked() -> bool:
    return os.name == "posix"


def _loose_under(directory: str) -> Iterator[tuple[str, os.stat_result]]:
    """Each loose directory and regular file under `directory`, with its status. A directory
    comes before what it holds, so a caller that tightens it as it comes does so before
    anything in it is looked at. Plain strings: a start-up may walk thousands of files."""
    try:
        entries = os.scandir(directory)
    except PermissionError:
        return  # another user's private directory: only they (and root) can reach inside
    with entries:
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone since the listing (a spool file printed, say)
            if stat.S_ISREG(info.st_mode):
                if info.st_mode & SHARED_BITS:
                    yield entry.path, info
            elif stat.S_ISDIR(info.st_mode):
                if info.st_mode & SHARED_BITS:
                    yield entry.path, info
                yield from _loose_under(entry.path)


def _loose(home: Path, also: Iterable[Path]) -> Iterator[tuple[str, os.stat_result]]:
    info = home.stat()
    if info.st_mode & SHARED_BITS:
        yield str(home), info
    yield from _loose_under(str(home))
    for path in also:
        if path.is_relative_to(home):
            continue  # the walk has it
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mode & SHARED_BITS:
            yield str(path), info


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database, an in-memory one
    or a `file:` URI (which SQLite reads itself)."""
    url = make_url(database_url)
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    if url.query.get("uri"):
        return None
    return Path(name).resolve()


def sqlite_files(database_url: str) -> list[Path]:
    """A SQLite database's file and its -wal, -shm and -journal files, those that exist."""
    path = sqlite_path(database_url)
    if path is None:
        return []
    side = [path.with_name(path.name + suffix) for suffix in SQLITE_SIDE_FILES]
    return [p for p in (path, *side) if p.exists()]


def loose_paths(home: Path, also: Iterable[Path] = ()) -> list[Path]:
    """`home` and what it holds, and the paths `also` names, where group or others have
    any permission; `[]` where modes are not permission bits."""
    if not _checked():
        return []
    return [Path(path) for path, _ in _loose(home, also)]


def make_private(home: Path, also: Iterable[Path] = ()) -> list[Path]:
    """Take group and others' permissions off every loose path (`loose_paths`) and return
    those tightened. `NotPrivate` for one this process may not change."""
    if not _checked():
        return []
    tightened = []
    for path, info in _loose(home, also):
        try:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~SHARED_BITS & 0o777)
        except FileNotFoundError:
            continue
        except OSError as error:  # another user's (EPERM), or a read-only file system
            raise NotPrivate(_refusal(Path(path), info, home, error)) from None
        tightened.append(Path(path))
    return tightened


def _refusal(path: Path, info: os.stat_result, home: Path, error: OSError) -> str:
    user = _user_name()
    if path.is_relative_to(home):
        target = shlex.quote(str(home))
        fix = f"sudo chown -R {user} {target} && sudo chmod -R u=rwX,go= {target}"
    else:
        target = shlex.quote(str(path))
        fix = f"sudo chown {user} {target} && sudo chmod u=rw,go= {target}"
    return (
        f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}, owner uid "
        f"{info.st_uid}) and cannot be made private ({error.strerror}): run `{fix}`, "
        "then start again."
    )


def _user_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())  # a uid with no name (a container): chown takes the number


def create_private_file(path: Path) -> None:
    """Make `path` an empty 0600 file unless it exists or cannot be made here (then
    SQLite, opening it, says why in its own words)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    os.close(fd)


def secure_data_directory(home: Path, database_url: str) -> list[Path]:
    """At start-up: the data directory made 0700, a new SQLite database file made 0600
    before SQLite opens it, and every loose path in either tightened with one warning;
    returns those tightened."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    database = sqlite_path(database_url)
    if database is not None:
        create_private_file(database)
    tightened = make_private(home, sqlite_files(database_url))
    if tightened:
        log.warning(_tightened_message(home, tightened))
    return tightened


def _tightened_message(home: Path, paths: list[Path]) -> str:
    named = [str(p.relative_to(home)) if p.is_relative_to(home) else str(p) for p in paths]
    named = ["./" if name == "." else name for name in named]
    shown = ", ".join(named[:_NAMED_IN_WARNING])
    more = f" and {len(named) - _NAMED_IN_WARNING} more" if len(named) > _NAMED_IN_WARNING else ""
    return (
        f"Warning: other users could read {len(paths)} path(s) in the data directory {home} "
        f"(now made private to this user): {shown}{more}."
    )
