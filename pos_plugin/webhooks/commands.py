"""`pos-plugin webhook ...`: add, list and remove the receivers of signed events."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask_babel import lazy_gettext as _l

from pos_plugin.cli import CLI_ACTOR, with_app
from pos_plugin.database import write_transaction
from pos_plugin.models import WebhookEndpoint
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.events import EVENTS
from pos_plugin.webhooks import endpoints


def _now() -> datetime:
    now: datetime = current_app.config["POS_PLUGIN_CLOCK"]()
    return now


@click.group()
def webhook() -> None:
    """Signed event deliveries for the till or a loyalty system."""


@webhook.command("add")
@click.argument("url")
@click.option(
    "--events",
    required=True,
    metavar="E,...",
    help="Comma-separated, from: " + ", ".join(EVENTS) + ".",
)
@with_app
def add(url: str, events: str) -> None:
    """Send EVENTS to URL; prints the signing secret (only this once) on stdout."""
    with write_transaction():
        endpoint, secret = endpoints.add_endpoint(CLI_ACTOR, url, events, _now())
    click.echo(
        f"Webhook {endpoint.id} added: {endpoint.url} gets {', '.join(endpoint.events)}. "
        "Its signing secret follows, shown only this once: give it to the receiver.",
        err=True,
    )
    click.echo(secret)


@webhook.command("list")
@with_app
def list_() -> None:
    """Every endpoint, its events, and how its deliveries stand."""
    reports = endpoints.endpoint_reports(CLI_ACTOR, limit=1)
    if not reports:
        click.echo("No webhooks yet: `pos-plugin webhook add URL --events E,...` adds one.")
        return
    for report in reports:
        endpoint = report.endpoint
        last = report.recent[0] if report.recent else None
        if last is None:
            said = "nothing sent yet"
        else:
            answer = f"HTTP {last.last_status}" if last.last_status else last.last_response
            said = f"last: {last.event_type} {last.state.value}"
            if last.attempts:
                said += f" ({answer or 'not tried'}, {last.attempts} tries)"
        click.echo(
            f"{endpoint.id}  {endpoint.url}  {','.join(endpoint.events)}  "
            f"waiting {report.waiting}; {said}"
        )


@webhook.command("remove")
@click.argument("endpoint", metavar="ID_OR_URL")
@with_app
def remove(endpoint: str) -> None:
    """Stop sending to an endpoint (by its id from `webhook list`, or its URL)."""
    with write_transaction():
        removed = endpoints.remove_endpoint(CLI_ACTOR, _endpoint_id(endpoint), _now())
    click.echo(f"Webhook {removed.id} removed: nothing more is sent to {removed.url}.")


def _endpoint_id(given: str) -> int:
    if given.isdigit():
        return int(given)
    found = [e for e in endpoints.list_endpoints(CLI_ACTOR) if e.url == given]
    if len(found) > 1:
        ids = ", ".join(str(e.id) for e in found)
        raise InvalidInput(
            _l("Webhooks %(ids)s all send to %(url)s; remove one by its id.", ids=ids, url=given)
        )
    if not found:
        raise InvalidInput(
            _l("No webhook sends to %(url)s; `pos-plugin webhook list` shows them.", url=given)
        )
    endpoint: WebhookEndpoint = found[0]
    return endpoint.id
