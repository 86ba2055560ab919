"""The backup check: a backup exists and the nightly one is being taken.

`serve` backs up every night after the sync; a newest backup older than two
days means those nightly backups are failing, and a till PC that dies then
loses days of comps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from pos_plugin import backups
from pos_plugin.checks.result import Finding, check, fail, ok, warn
from pos_plugin.settings import Settings

STALE_AFTER = timedelta(days=2)
SHOWN = "%Y-%m-%d %H:%M"


@check("backup")
def newest(settings: Settings, now: datetime) -> Finding:
    latest = backups.newest(settings)
    if latest is None:
        return warn(
            _l(
                "No backup has been taken yet. `pos-plugin serve` takes one every night "
                "after the sync; run `pos-plugin backup` to take one now."
            )
        )
    words = {
        "taken": latest.taken_at.astimezone(ZoneInfo(settings.store.timezone)).strftime(SHOWN),
        "path": str(latest.path),
    }
    if now - latest.taken_at > STALE_AFTER:
        return fail(
            _l(
                "The newest backup is from %(taken)s (%(path)s): the nightly backups are "
                "failing. Run `pos-plugin backup` to see why, and look in the log "
                "(logs/pos-plugin.log in the data directory).",
                **words,
            )
        )
    return ok(_l("The newest backup is from %(taken)s: %(path)s", **words))
