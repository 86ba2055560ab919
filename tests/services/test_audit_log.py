"""Reading the audit log back: filtered by action, entity, who and local dates, and paged."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pos_plugin.money import Money
from pos_plugin.services import audit, catalog
from pos_plugin.services.actors import Actor
from pos_plugin.services.audit import AuditFilter
from pos_plugin.services.errors import InvalidInput, PermissionDenied
from pos_plugin.services.store import get_store


@pytest.fixture
def logged(do, manager):
    maya = Actor(role=manager.role, label="Maya")
    # 23:30 UTC on 24 November is still the 24th in London; 00:30 on the 25th is the 25th.
    for actor, name, at in (
        (manager, "A", datetime(2026, 11, 23, 12, tzinfo=UTC)),
        (maya, "B", datetime(2026, 11, 24, 23, 30, tzinfo=UTC)),
        (maya, "C", datetime(2026, 11, 25, 0, 30, tzinfo=UTC)),
    ):
        do(
            catalog.add_item,
            actor,
            get_store(),
            name=name,
            value=Money(1, "EUR"),
            icon="🍪",
            now=at,
        )
        do(catalog.set_active, actor, 1, name != "A", at)


def search(do, manager, **where):
    offset = where.pop("offset", 0)
    limit = where.pop("limit", 50)
    page = do(audit.search, manager, get_store(), AuditFilter(**where), offset=offset, limit=limit)
    return page


def test_filters_narrow_the_log(app_ctx, manager, do, logged):
    created = search(do, manager, action="catalog_item.created")
    assert [e.data["name"] for e in created.items] == ["C", "B", "A"]
    assert {e.actor for e in search(do, manager, who="may").items} == {"Maya"}
    on_the_24th = search(
        do, manager, action="catalog_item.created", start=date(2026, 11, 24), end=date(2026, 11, 24)
    )
    assert [e.data["name"] for e in on_the_24th.items] == ["B"]
    assert search(do, manager, entity="staff").items == []


def test_the_log_is_paged_newest_first(app_ctx, manager, do, logged):
    first = search(do, manager, action="catalog_item.created", limit=2)
    rest = search(do, manager, action="catalog_item.created", limit=2, offset=2)
    assert (len(first.items), first.has_next, len(rest.items), rest.has_next) == (2, True, 1, False)


def test_a_backwards_range_and_a_huge_page_are_refused_naming_the_field(app_ctx, manager, do):
    with pytest.raises(InvalidInput) as refused:
        search(do, manager, start=date(2026, 11, 25), end=date(2026, 11, 24))
    assert refused.value.field == "start"
    with pytest.raises(InvalidInput) as refused:
        search(do, manager, limit=10_000)
    assert refused.value.field == "limit"


def test_the_filter_choices_are_what_the_log_holds(app_ctx, manager, do, logged):
    actions, entities = do(audit.choices, manager)
    assert "catalog_item.created" in actions
    assert "catalog_item" in entities


def test_a_barista_may_not_read_the_log(app_ctx, barista, do):
    with pytest.raises(PermissionDenied):
        search(do, barista)
