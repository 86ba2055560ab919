"""`pos-plugin export-data`: every table as CSV for the store's owner (`services.data_export`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from pos_plugin.cli import CLI_ACTOR, with_app
from pos_plugin.services import data_export
from pos_plugin.services.store import get_store
from pos_plugin.settings import Settings


@click.command("export-data")
@click.option(
    "--anonymise",
    is_flag=True,
    help="Blank customer names, notes and other free text; staff names become staff-<id>.",
)
@click.option(
    "--to",
    "parent",
    type=click.Path(path_type=Path),
    default=None,
    metavar="DIR",
    help="Make the export folder in this folder (default: <data dir>/exports).",
)
@with_app
def export_data(anonymise: bool, parent: Path | None) -> None:
    """Write every table the store holds as CSV, in a new folder only you may read."""
    settings: Settings = current_app.config["POS_PLUGIN_SETTINGS"]
    now: datetime = current_app.config["POS_PLUGIN_CLOCK"]()
    try:
        export = data_export.export_data(
            CLI_ACTOR, get_store(), parent or settings.home / "exports", now, anonymise=anonymise
        )
    except data_export.ExportFailed as error:
        raise click.ClickException(str(error)) from None
    for file in export.files:
        click.echo(f"{file.name}: {data_export.rows_text(file.rows)}")
    click.echo(f"Export written to {export.folder}")
