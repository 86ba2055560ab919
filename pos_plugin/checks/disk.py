"""The disk check: free space on the file system that holds the data directory.

Taps are refused (and nothing recorded) once the disk is full, so the manager
hears of it well before: a warning under 1 GB free, a failure under 100 MB (a
share would be wrong one way or the other: 2 % of a big disk is weeks of comps,
and 10 % of a small one is not much).
"""

from __future__ import annotations

import shutil
from datetime import datetime

from flask_babel import lazy_gettext as _l

from pos_plugin.checks.result import Finding, check, fail, ok, warn
from pos_plugin.settings import Settings

MB = 1000**2
FAIL_BELOW = 100 * MB
WARN_BELOW = 1000 * MB


@check("disk")
def free_space(settings: Settings, now: datetime) -> Finding:
    usage = shutil.disk_usage(settings.home)
    share = usage.free / usage.total if usage.total else 0.0
    words = {"free": _size(usage.free), "share": f"{share:.0%}", "home": str(settings.home)}
    if usage.free < FAIL_BELOW:
        return fail(
            _l(
                "The disk that holds %(home)s is nearly full: %(free)s free (%(share)s). "
                "Taps are refused when it is full. Free some space now, or move the data "
                "directory to a bigger disk.",
                **words,
            )
        )
    if usage.free < WARN_BELOW:
        return warn(
            _l(
                "The disk that holds %(home)s is filling up: %(free)s free (%(share)s). "
                "Free some space soon: taps are refused when it is full.",
                **words,
            )
        )
    return ok(_l("%(free)s free (%(share)s) on the disk that holds %(home)s.", **words))


def _size(count: int) -> str:
    if count >= 1000 * MB:
        return f"{count / (1000 * MB):.1f} GB"
    return f"{count / MB:.0f} MB"
