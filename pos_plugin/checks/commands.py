"""`pos-plugin doctor`: every health check, one line each, in plain words."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask_babel import force_locale

from pos_plugin import checks
from pos_plugin.checks import config, files
from pos_plugin.private_files import NotPrivate
from pos_plugin.settings import Settings, SettingsError

MARKS = {checks.Status.OK: "ok", checks.Status.WARN: "warn", checks.Status.FAIL: "FAIL"}


@click.command()
def doctor() -> None:
    """Check the configuration, database, printer, clock, disk, file modes, sync and backup.

    Each check prints one line: "ok", "warn" (worth a look; the store keeps
    working) or "FAIL" (needs fixing), with what is wrong and what to do. The
    exit status is 0 when nothing failed (warnings included), 1 otherwise.
    """
    context = click.get_current_context()
    try:
        app: Flask = context.ensure_object(ScriptInfo).load_app()
    except SettingsError as error:
        # Every other check needs the settings: the broken file is the one thing to fix.
        _show([config.unreadable(error)])
        click.echo("The other checks need the configuration; they run once it is fixed.")
        context.exit(1)
    except NotPrivate as error:
        _show([files.refused(error)])
        click.echo("The other checks run once the data directory is private.")
        context.exit(1)
    with app.app_context():
        settings: Settings = app.config["POS_PLUGIN_SETTINGS"]
        found = checks.run(checks.DOCTOR, settings, app.config["POS_PLUGIN_CLOCK"]())
        # The doctor speaks English whatever the store's locale: it is read in a terminal,
        # and its words are the ones a support person searches for.
        with force_locale("en"):
            _show(found)
    failed = sum(c.status is checks.Status.FAIL for c in found)
    warned = sum(c.status is checks.Status.WARN for c in found)
    if not failed and not warned:
        click.echo("Everything is ok.")
        return
    click.echo(f"{failed} failed, {warned} to look at.")
    if failed:
        context.exit(1)


def _show(found: list[checks.Check]) -> None:
    width = max(len(c.name) for c in found)
    for one in found:
        click.echo(f"{MARKS[one.status]:<4}  {one.name:<{width}}  {one.message}")
