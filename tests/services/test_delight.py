"""The delight wall: stories from recent comps, paged, and the stars a manager gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pos_plugin.services import delight
from pos_plugin.services.errors import InvalidInput, PermissionDenied

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def given(make_item, make_barista, tap, void):
    item = make_item(50)
    ana = make_barista("Ana")
    story = tap(ana, item.id, now=NOW, note="Happy birthday!", customer_name="Priya").comp
    named = tap(ana, item.id, now=NOW + timedelta(minutes=1), customer_name="Tom").comp
    plain = tap(ana, item.id, now=NOW + timedelta(minutes=2)).comp
    gone = tap(ana, item.id, now=NOW + timedelta(minutes=3), note="oops").comp
    void(ana, gone.id, now=NOW + timedelta(minutes=3, seconds=5))
    return story, named, plain


def test_the_wall_shows_notes_and_names_newest_first_not_voided_or_plain_comps(
    app_ctx, manager, do, given
):
    story, named, _ = given
    page = do(delight.stories, manager, NOW)
    assert [s.comp.id for s in page.items] == [named.id, story.id]
    assert page.items[1].staff_name == "Ana"


def test_the_wall_is_paged(app_ctx, manager, do, given):
    first = do(delight.stories, manager, NOW, limit=1)
    second = do(delight.stories, manager, NOW, offset=1, limit=1)
    assert (first.has_next, second.has_next) == (True, False)
    assert first.items[0].comp.id != second.items[0].comp.id


def test_starring_marks_the_story_for_head_office_and_is_audited(
    app_ctx, manager, do, given, audit_log
):
    story, _, _ = given
    starred = do(delight.star, manager, story.id, NOW)
    assert (starred.starred_at, starred.starred_by) == (NOW, "Manager Mo")
    assert [s.comp.id for s in do(delight.stories, manager, NOW, starred_only=True).items] == [
        story.id
    ]
    do(delight.unstar, manager, story.id, NOW)
    assert do(delight.stories, manager, NOW, starred_only=True).items == []
    assert [e.action for e in audit_log()][-2:] == ["comp.starred", "comp.unstarred"]


def test_a_comp_with_no_note_or_name_is_not_a_story(app_ctx, manager, do, given):
    _, _, plain = given
    with pytest.raises(InvalidInput):
        do(delight.star, manager, plain.id, NOW)


def test_a_barista_may_not_star_or_read_the_wall(app_ctx, barista, do, given):
    story, _, _ = given
    with pytest.raises(PermissionDenied):
        do(delight.star, barista, story.id, NOW)
    with pytest.raises(PermissionDenied):
        do(delight.stories, barista, NOW)


def test_the_wall_shows_the_last_thirty_days_and_starred_stories_for_good(
    app_ctx, manager, do, given
):
    story, _, _ = given
    do(delight.star, manager, story.id, NOW)
    later = NOW + timedelta(days=45)
    assert do(delight.stories, manager, later).items == []
    assert [s.comp.id for s in do(delight.stories, manager, later, starred_only=True).items] == [
        story.id
    ]
