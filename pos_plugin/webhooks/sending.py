"""Signing and sending one delivery, as the Standard Webhooks spec lays it out.

Headers: `webhook-id` (the event's id, the same on every try), `webhook-timestamp`
(seconds since 1970 at this try) and `webhook-signature` ("v1," and the base64
HMAC-SHA256 of "{id}.{timestamp}.{body}" under the endpoint's secret), signed by
the spec's own library. Any 2xx answer is delivery; anything else, a redirect
included, is a failed try.
"""

from __future__ import annotations

import http.client
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from math import floor
from urllib.parse import urlsplit

from standardwebhooks import Webhook

ANSWER_KEPT = 300
USER_AGENT = f"on-the-house-webhooks/{version('on-the-house')}"


@dataclass(frozen=True)
class Answer:
    """What the receiver said: its HTTP status (None: no answer) and the start of its body,
    or why there was no answer."""

    status: int | None
    detail: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signed_headers(secret: str, event_id: uuid.UUID, body: str, at: datetime) -> dict[str, str]:
    return {
        "webhook-id": str(event_id),
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(str(event_id), at, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def send(
    url: str, secret: str, event_id: uuid.UUID, body: str, at: datetime, timeout: float
) -> Answer:
    """POST one delivery; never raises for the receiver's or the network's faults."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        connection.request(
            "POST", target, body=body.encode(), headers=signed_headers(secret, event_id, body, at)
        )
        response = connection.getresponse()
        text = response.read(4096).decode("utf-8", "replace")
    except TimeoutError:
        return Answer(None, f"no answer within {timeout:g} s")
    except ssl.SSLCertVerificationError as error:
        return Answer(None, f"the receiver's certificate is not trusted: {error.verify_message}")
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, f"cannot reach the receiver: {error or type(error).__name__}")
    finally:
        connection.close()
    detail = " ".join(text.split())[:ANSWER_KEPT] or response.reason
    return Answer(response.status, detail)
