"""The config check: the settings were read, or why they could not be."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from pos_plugin.checks.result import Check, Finding, Status, check, ok
from pos_plugin.settings import CONFIG_FILENAME, Settings, SettingsError

NAME = "config"


@check(NAME)
def loaded(settings: Settings, now: datetime) -> Finding:
    if settings.source is None:
        return ok(
            _l(
                "No configuration file: the built-in settings are used. Put one at %(file)s "
                "to set the store's name, printer and sync.",
                file=str(settings.home / CONFIG_FILENAME),
            )
        )
    return ok(_l("Settings read from %(file)s.", file=str(settings.source)))


def unreadable(error: SettingsError) -> Check:
    """The config check when the settings could not be loaded at all."""
    return Check(
        NAME,
        Status.FAIL,
        _l(
            "The configuration cannot be used: %(error)s. Correct it, then run "
            "`pos-plugin doctor` again.",
            error=str(error).rstrip("."),
        ),
    )
