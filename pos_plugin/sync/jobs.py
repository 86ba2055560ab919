"""One sync run, as `pos-plugin sync run` and the scheduler do it: export, deliver, tidy up.

Each day is exported in its own transaction, so a run cut short keeps the days
it finished; then every due set is sent; then sent files past their keep
period and Idempotency-Keys past their 24 hours are purged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pos_plugin.database import db, write_transaction
from pos_plugin.services import comps
from pos_plugin.services.store import get_store
from pos_plugin.settings import Settings
from pos_plugin.sync import batches, signing
from pos_plugin.sync.deliver import Delivery, deliver_due
from pos_plugin.sync.export import Exported, export_day, pending_days
from pos_plugin.sync.transports import Transport


@dataclass
class RunReport:
    exported: list[Exported] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    purged_sets: int = 0
    purged_keys: int = 0

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.acknowledged]


def outbox(settings: Settings) -> Path:
    return settings.in_home(settings.sync.outbox)


def export_days(
    settings: Settings, now: datetime, days: list[date] | None = None, out: Path | None = None
) -> list[Exported]:
    """Export the given closed days, or every one pending (missed or changed), oldest first."""
    if days is None:
        days = pending_days(get_store(), now)
        db.session.rollback()
    if not days:
        # Nothing to sign: `serve` then never loads the cryptography library at all.
        return []
    key = signing.load_or_create(settings.home)
    done = []
    for day in sorted(days):
        with write_transaction():
            done.append(export_day(get_store(), key, day, now, out or outbox(settings)))
    return done


def run_once(
    settings: Settings,
    transport: Transport,
    clock: Callable[[], datetime],
    *,
    waiting_too: bool = False,
    tries: int = 1,
    first_pause: float = 1.0,
) -> RunReport:
    report = RunReport(exported=[e for e in export_days(settings, clock()) if e.written])
    report.deliveries = deliver_due(
        transport,
        clock,
        settings.sync.retry_max_seconds,
        waiting_too=waiting_too,
        tries=tries,
        first_pause=first_pause,
    )
    with write_transaction():
        now = clock()
        report.purged_sets = batches.purge_sent(now, settings.sync.keep_days)
        report.purged_keys = comps.purge_expired_keys(now)
    return report
