"""`pos-plugin backup` and `pos-plugin restore`: the store's database, copied and put back."""

from __future__ import annotations

import time
from pathlib import Path

import click
from babel.numbers import format_decimal
from flask import current_app

from pos_plugin import backups
from pos_plugin.cli import with_app
from pos_plugin.settings import Settings


def _settings() -> Settings:
    settings: Settings = current_app.config["POS_PLUGIN_SETTINGS"]
    return settings


def human_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


def _holds(backup: backups.Backup) -> str:
    if backup.comps is None:
        return ""
    comps = format_decimal(backup.comps, locale=_settings().store.locale)
    noun = "comp" if backup.comps == 1 else "comps"
    return f", {comps} {noun} of {backup.store_id}, schema {backup.revision}"


@click.command()
@click.option(
    "--to",
    type=click.Path(path_type=Path),
    default=None,
    help="Put the backup in this folder (default: [backup] dir in the data directory).",
)
@with_app
def backup(to: Path | None) -> None:
    """Back the store's database up now, online, and check the copy."""
    settings = _settings()
    now = current_app.config["POS_PLUGIN_CLOCK"]()
    started = time.perf_counter()
    try:
        taken = backups.take(settings, now, to=to)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    how = "with pg_dump " if taken.path.suffix == ".dump" else ""
    click.echo(
        f"Backed up the database {how}to {taken.path} ({human_size(taken.size)}{_holds(taken)}; "
        f"checked) in {seconds:.1f} s."
    )
    if to is None:
        removed = backups.prune(settings, now)
        if removed:
            days = settings.backup.keep_days
            click.echo(f"Removed {len(removed)} backup(s) older than {days} days.")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace a database that already holds the store's data."
)
@with_app
def restore(file: Path, force: bool) -> None:
    """Put a backup back in place of the store's database, keeping the current one aside."""
    settings = _settings()
    now = current_app.config["POS_PLUGIN_CLOCK"]()
    try:
        restored = backups.restore(settings, file, now, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if restored.aside is not None:
        click.echo(f"Kept the database as it was aside: {restored.aside}")
    taken = restored.backup
    click.echo(
        f"Restored {taken.path} ({human_size(taken.size)}{_holds(taken)}) into {restored.into}."
    )
    from pos_plugin.lifecycle import SCHEMA_HEAD

    if taken.revision != SCHEMA_HEAD:
        click.echo("The backup is from an older version: run `pos-plugin init` to upgrade it.")
    click.echo("If `pos-plugin serve` is running, restart it.")
