"""The sync checks: can the file sets reach head office, and has every closed day gone out.

`destination` writes a scratch file in the outbox and reaches the configured
transport (a folder, an SFTP server or the HTTPS receiver) within `[sync]
timeout`; `last_day` reads only the database, so /readyz can afford it;
`refused` names a set head office refused, which waits for a person.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pos_plugin.checks.result import Finding, check, fail, ok, warn
from pos_plugin.database import db
from pos_plugin.models import BatchState, SyncBatch
from pos_plugin.services import shifts
from pos_plugin.services.business_day import business_date_of
from pos_plugin.services.store import get_store
from pos_plugin.settings import Settings
from pos_plugin.sync import transports
from pos_plugin.sync.jobs import outbox

# The nightly run sends yesterday early this morning; a day missing longer than this is late.
LATE_AFTER = timedelta(days=2)


@check("sync destination")
def destination(settings: Settings, now: datetime) -> Finding:
    folder = outbox(settings)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return fail(
            _l(
                "The outbox %(folder)s cannot be written to (%(error)s), so no day can be "
                "exported. Free some disk space or fix the folder's permissions.",
                folder=str(folder),
                error=error.strerror or str(error),
            )
        )
    transport = transports.make(settings)
    try:
        transport.probe()
    except transports.DeliveryError as error:
        return fail(
            _l(
                "The nightly sync cannot reach head office (%(transport)s): %(error)s. "
                "Check the network and the [sync] settings, then run `pos-plugin sync run`.",
                transport=transport.name,
                error=str(error),
            )
        )
    finally:
        transport.close()
    return ok(
        _l(
            "The outbox can be written to, and the %(transport)s destination %(where)s "
            "can be reached.",
            transport=transport.name,
            where=_where(settings),
        )
    )


def _where(settings: Settings) -> str:
    sync = settings.sync
    if sync.transport == "sftp":
        return f"{sync.sftp_user}@{sync.sftp_host}:{sync.sftp_port}"
    if sync.transport == "https":
        return sync.https_url
    return str(settings.in_home(sync.folder or sync.outbox))


@check("sync")
def last_day(settings: Settings, now: datetime) -> Finding:
    store = get_store()
    today = business_date_of(now, store.zone, store.business_day_starts)
    first = shifts.first_business_date()
    if first is None or first >= today:
        return ok(_l("No business day has closed yet: nothing to send to head office."))
    sent = db.session.scalar(
        select(func.max(SyncBatch.business_date)).where(SyncBatch.state == BatchState.ACKNOWLEDGED)
    )
    last_closed = today - timedelta(days=1)
    if sent is not None and sent >= last_closed:
        return ok(
            _l(
                "Head office has every closed business day, up to %(day)s.",
                day=sent.isoformat(),
            )
        )
    at = settings.sync.at.strftime("%H:%M")
    behind_since = sent if sent is not None else first - timedelta(days=1)
    if today - behind_since <= LATE_AFTER:
        return ok(
            _l(
                "Business day %(day)s goes to head office with the nightly sync at %(at)s.",
                day=last_closed.isoformat(),
                at=at,
            )
        )
    failed = db.session.scalars(
        select(SyncBatch)
        .where(SyncBatch.state == BatchState.FAILED)
        .order_by(SyncBatch.business_date.desc())
        .limit(1)
    ).first()
    if sent is None:
        have = _l("head office has no business day yet")
    else:
        have = _l("the last business day head office has is %(day)s", day=sent.isoformat())
    if failed is not None:
        return warn(
            _l(
                "The nightly sync is behind: %(have)s, and sending %(failed)s failed "
                "(%(error)s). Check the sync destination, then run `pos-plugin sync run`.",
                have=have,
                failed=failed.business_date.isoformat(),
                error=failed.last_error or "",
            )
        )
    return warn(
        _l(
            "The nightly sync is behind: %(have)s. Check that `pos-plugin serve` is running "
            "(it sends each night at %(at)s), or run `pos-plugin sync run`.",
            have=have,
            at=at,
        )
    )


@check("sync refused")
def refused(settings: Settings, now: datetime) -> Finding:
    """A set refused for good (no next attempt) needs a person, however recent it is."""
    batch = db.session.scalars(
        select(SyncBatch)
        .where(SyncBatch.state == BatchState.FAILED, SyncBatch.next_attempt_at.is_(None))
        .order_by(SyncBatch.business_date.desc(), SyncBatch.sequence.desc())
        .limit(1)
    ).first()
    if batch is None:
        return ok(_l("Head office has refused none of the file sets sent to it."))
    return fail(
        _l(
            "Head office refused the file set of %(day)s (sequence %(sequence)s): %(error)s. "
            "It is not sent again by itself: fix the cause, then run `pos-plugin sync run`.",
            day=batch.business_date.isoformat(),
            sequence=batch.sequence,
            error=batch.last_error or "",
        )
    )
