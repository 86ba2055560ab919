"""Registering webhook endpoints: the receiver's URL, the events it wants, its secret.

The secret is given out once, when the endpoint is added, and kept in the
database as given: the delivery worker signs every delivery with it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from pos_plugin.database import db
from pos_plugin.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from pos_plugin.models.webhooks import URL_MAX
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.events import EVENTS
from pos_plugin.text import TextError, clean_text

# The Standard Webhooks secret format: the prefix, then base64 of the key's bytes.
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
RECENT_DELIVERIES = 10


def check_url(url: str) -> str:
    """The URL as stored, or `InvalidInput` saying what is wrong with it."""
    try:
        url = clean_text(url).strip()
    except TextError as error:
        raise InvalidInput(_l("The URL: %(error)s", error=error.message), field="url") from None
    if not url:
        raise InvalidInput(
            _l("Give the receiver's URL, e.g. https://loyalty.example/hooks."), field="url"
        )
    if len(url) > URL_MAX or any(c.isspace() for c in url):
        raise InvalidInput(
            _l("A URL has no spaces and at most %(max)s characters.", max=URL_MAX), field="url"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(
            _l(
                "'%(url)s' is not an http:// or https:// URL; webhooks are sent over HTTP(S).",
                url=url,
            ),
            field="url",
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or port == 0:
        raise InvalidInput(
            _l("'%(url)s' names no host (and valid port) to send to.", url=url), field="url"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            _l("Put no user name or password in the URL: deliveries are signed instead."),
            field="url",
        )
    if parts.fragment:
        raise InvalidInput(_l("A webhook URL has no #fragment."), field="url")
    return url


def parse_events(given: str | list[str]) -> list[str]:
    """Events from "a,b" or a list: each one of `EVENTS`, at least one, in the given order."""
    names = given.split(",") if isinstance(given, str) else given
    chosen = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not chosen:
        raise InvalidInput(
            _l("Choose at least one event: %(events)s.", events=", ".join(EVENTS)), field="events"
        )
    unknown = [name for name in chosen if name not in EVENTS]
    if unknown:
        raise InvalidInput(
            _l(
                "Unknown event '%(event)s'; choose from: %(events)s.",
                event=unknown[0],
                events=", ".join(EVENTS),
            ),
            field="events",
        )
    return chosen


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def add_endpoint(
    actor: Actor, url: str, events: str | list[str], now: datetime
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it and its signing secret (shown this once)."""
    actor.require(Permission.MANAGE)
    url = check_url(url)
    chosen = parse_events(events)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url, events=chosen, secret=secret, created_at=now, created_by=actor.label
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        actor, "webhook.added", "webhook_endpoint", endpoint.id, now, url=url, events=chosen
    )
    return endpoint, secret


def list_endpoints(actor: Actor) -> list[WebhookEndpoint]:
    actor.require(Permission.MANAGE)
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def remove_endpoint(actor: Actor, endpoint_id: int, now: datetime) -> WebhookEndpoint:
    """Stop sending to a receiver: the endpoint goes, with every delivery still waiting."""
    actor.require(Permission.MANAGE)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(
            _l("There is no webhook %(id)s; `pos-plugin webhook list` shows them.", id=endpoint_id)
        )
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    db.session.delete(endpoint)
    audit.record(actor, "webhook.removed", "webhook_endpoint", endpoint_id, now, url=endpoint.url)
    db.session.flush()
    return endpoint


@dataclass(frozen=True)
class EndpointReport:
    """An endpoint with its latest deliveries (newest first), as the console shows it."""

    endpoint: WebhookEndpoint
    recent: list[WebhookDelivery]
    waiting: int


def endpoint_reports(actor: Actor, limit: int = RECENT_DELIVERIES) -> list[EndpointReport]:
    reports = []
    for endpoint in list_endpoints(actor):
        recent = db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).all()
        waiting = db.session.scalar(
            select(func.count()).where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.state == DeliveryState.PENDING,
            )
        )
        reports.append(EndpointReport(endpoint, list(recent), int(waiting or 0)))
    return reports
