"""The file-modes check: the data directory is readable by the service's own user only.

Every start closes what it finds open (`private_files`), so a path still open is
one this user cannot close, and a path closed at this start was open until now:
whoever else has an account on the computer may have copied the PIN hashes.
"""

from __future__ import annotations

import getpass
import shlex
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pos_plugin.checks.result import Check, Finding, Status, check, fail, ok, warn
from pos_plugin.private_files import NotPrivate, loose_paths, sqlite_files
from pos_plugin.settings import Settings

NAME = "files"
_NAMED = 5


@check(NAME)
def private(settings: Settings, now: datetime) -> Finding:
    home = settings.home
    still_open = loose_paths(home, sqlite_files(settings.database_url))
    if still_open:
        target = shlex.quote(str(home))
        return fail(
            _l(
                "Other users can read %(paths)s. Run `chmod -R u=rwX,go= %(home)s` as the "
                "owner of the files.",
                paths=_named(home, still_open),
                home=target,
            )
        )
    made_private: list[Path] = current_app.config.get("POS_PLUGIN_MADE_PRIVATE", [])
    if made_private:
        return warn(
            _l(
                "Other users could read %(paths)s until now; it is private since this start. "
                "If anyone else has an account on this computer, change the staff PINs.",
                paths=_named(home, made_private),
            )
        )
    return ok(
        _l(
            "The data directory %(home)s and everything in it are readable by %(user)s only.",
            home=str(home),
            user=getpass.getuser(),
        )
    )


def refused(error: NotPrivate) -> Check:
    """The check when start-up refused a path it could not make private."""
    # Its words are private_files' own, in English, as start-up prints them.
    return Check(NAME, Status.FAIL, LazyString(str, error))


def _named(home: Path, paths: list[Path]) -> str:
    names = [str(p.relative_to(home)) if p.is_relative_to(home) else str(p) for p in paths]
    names = [str(home) if name == "." else name for name in names]
    more = f" (+{len(names) - _NAMED})" if len(names) > _NAMED else ""
    return ", ".join(names[:_NAMED]) + more
