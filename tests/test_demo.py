"""The demo cafe seeds a believable history in one transaction, on either database."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.demo import seed_if_empty
from pos_plugin.models import Comp, CompStatus
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store


def test_the_demo_records_every_comp_and_void_it_reports_and_seeds_only_once(app_ctx, clock):
    with write_transaction():
        report = seed_if_empty(get_store(), SYSTEM, clock.now, days=3)
    assert report is not None
    assert report.comps > 0
    db.session.remove()
    statuses = dict(
        db.session.execute(select(Comp.status, func.count()).group_by(Comp.status)).all()
    )
    assert sum(statuses.values()) == report.comps
    assert statuses.get(CompStatus.VOIDED, 0) == report.voided
    with write_transaction():
        assert seed_if_empty(get_store(), SYSTEM, clock.now) is None


@pytest.mark.parametrize("time_of_day", ["00:07", "16:07", "18:07"])
def test_the_demo_shows_approvals_and_starred_stories_whenever_it_is_made(
    app_ctx, clock, time_of_day
):
    clock.now = datetime.fromisoformat(f"2026-12-04T{time_of_day}:00+00:00")
    with write_transaction():
        seed_if_empty(get_store(), SYSTEM, clock.now)
    approved, starred = db.session.execute(
        select(func.count(Comp.approved_by_id), func.count(Comp.starred_at))
    ).one()
    assert approved > 0
    assert starred > 0
