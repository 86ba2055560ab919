"""`pos-plugin sync ...`: export, deliver, show the signing key and each day's batch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from pos_plugin.cli import with_app
from pos_plugin.models import BatchState
from pos_plugin.services.store import get_store
from pos_plugin.settings import Settings
from pos_plugin.sync import batches, jobs, signing, transports
from pos_plugin.sync.export import Exported, last_closed_day

DAY = click.DateTime(formats=["%Y-%m-%d"])
WAITING = (BatchState.FAILED, BatchState.DELIVERED)


def _settings() -> Settings:
    settings: Settings = current_app.config["POS_PLUGIN_SETTINGS"]
    return settings


def _now() -> datetime:
    now: datetime = current_app.config["POS_PLUGIN_CLOCK"]()
    return now


@click.group()
def sync() -> None:
    """The nightly sync to head office."""


@sync.command("export")
@click.option("--date", "day", type=DAY, help="One closed business day (default: all pending).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the file sets here instead of the outbox.",
)
@with_app
def export(day: datetime | None, out: Path | None) -> None:
    """Write the signed file set of each closed business day not yet exported."""
    settings, now = _settings(), _now()
    exported = jobs.export_days(settings, now, [day.date()] if day else None, out)
    if not exported:
        last = last_closed_day(get_store(), now)
        click.echo(f"Nothing to export: every closed business day up to {last} has gone out.")
    for result in exported:
        click.echo(_describe(result))


def _describe(result: Exported) -> str:
    batch, day = result.batch, result.day
    label = f"{batch.business_date} #{batch.sequence}"
    if not result.written:
        return f"{label}: unchanged since it was exported, nothing written."
    if result.superseded is not None:
        label += f" (supersedes #{result.superseded})"
    stories = day.rows["stories"]
    starred = f", {stories} starred {'story' if stories == 1 else 'stories'}" if stories else ""
    return (
        f"{label}: {day.rows['comps']} comps ({day.voided} voided), {day.rows['shifts']} shifts"
        f"{starred} -> {result.manifest_path}"
    )


@sync.command("run")
@with_app
def run() -> None:
    """Export what is pending and deliver it to head office (for cron or Task Scheduler)."""
    settings = _settings()
    transport = transports.make(settings)
    try:
        report = jobs.run_once(
            settings, transport, current_app.config["POS_PLUGIN_CLOCK"], waiting_too=True, tries=3
        )
    finally:
        transport.close()
    for result in report.exported:
        click.echo(_describe(result))
    for delivery in report.deliveries:
        batch = delivery.batch
        click.echo(
            f"{batch.business_date} #{batch.sequence}: {batch.state.value} via "
            f"{batch.transport}: {delivery.detail}"
        )
    if not report.exported and not report.deliveries:
        click.echo("Nothing to export or send.")
    if report.failures:
        raise click.ClickException(
            f"{len(report.failures)} file set(s) not delivered; they are retried on the next run."
        )


@sync.command("key")
@with_app
def key() -> None:
    """Print `<store_id> <key>`: the public signing key for `headoffice add-store`."""
    private = signing.load_or_create(_settings().home)
    click.echo(f"{get_store().id} {signing.public_key_text(private)}")


@sync.command("status")
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
@with_app
def status(limit: int) -> None:
    """Each day's batch: exported, delivered, acknowledged, or failed with the reason."""
    store = get_store()
    rows = batches.recent(limit)
    if not rows:
        click.echo("No file sets exported yet; `pos-plugin sync run` exports the closed days.")
        return
    click.echo(f"{'business day':<12}  {'seq':>3}  {'state':<12}  {'exported':<16}  detail")
    for batch in rows:
        exported = batch.exported_at.astimezone(store.zone).strftime("%Y-%m-%d %H:%M")
        detail = batch.last_error or batch.acknowledgement or ""
        if batch.next_attempt_at is not None and batch.state in WAITING:
            when = batch.next_attempt_at.astimezone(store.zone).strftime("%Y-%m-%d %H:%M")
            detail += f" (next try {when})"
        elif batch.state is BatchState.FAILED:
            detail += " (refused: not tried again by itself; fix it, then `pos-plugin sync run`)"
        click.echo(
            f"{batch.business_date!s:<12}  {batch.sequence:>3}  {batch.state.value:<12}  "
            f"{exported:<16}  {detail}".rstrip()
        )
