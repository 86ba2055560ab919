"""Format versions at head office: version 2's approvers and stories, and the older version 1."""

from __future__ import annotations

import json

from sqlalchemy import select

from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.models import IngestedSet, StoreComp, StoreStory
from pos_plugin.sync import manifest

from .conftest import comp_row, story_row


def rows_of(engine, model):
    with read_session(engine) as session:
        return list(session.scalars(select(model)))


def test_a_comp_approved_over_the_allowance_keeps_both_people(
    register, make_set, ingest_one, ho_engine
):
    over, within = comp_row(approved_by_id=9, approved_by_name="Mo"), comp_row()

    ingest_one(make_set(register(), [over, within]))

    found = {
        r.comp_id: (r.staff_name, r.approved_by_id, r.approved_by_name)
        for r in rows_of(ho_engine, StoreComp)
    }
    assert found == {over["comp_id"]: ("Ana", 9, "Mo"), within["comp_id"]: ("Ana", None, None)}


def test_starred_stories_are_loaded_and_replaced_by_a_later_sequence(
    register, make_set, ingest_one, ho_engine
):
    keys = register()
    birthday, other = comp_row(note="Happy birthday!\nSee you soon"), comp_row()

    outcome = ingest_one(make_set(keys, [birthday, other], stories=[story_row(birthday)]))

    assert outcome.message == "ingested: 2 comps and 1 starred story of cafe-001 on 2026-11-23"
    (story,) = rows_of(ho_engine, StoreStory)
    assert (story.customer_name, story.note, story.starred_by) == (
        "Priya",
        "Happy birthday!\nSee you soon",
        "Manager Mo",
    )
    ingest_one(make_set(keys, [birthday, other], stories=[], sequence=2))  # unstarred
    assert rows_of(ho_engine, StoreStory) == []


def test_a_story_without_who_starred_it_is_still_taken(register, make_set, ingest_one, ho_engine):
    comp = comp_row()

    outcome = ingest_one(make_set(register(), [comp], stories=[story_row(comp, starred_by=None)]))

    assert outcome.status == "ingested"
    assert [s.starred_by for s in rows_of(ho_engine, StoreStory)] == [None]


def test_an_older_format_version_1_set_is_ingested_without_approvers_and_says_so(
    register, make_set, ingest_one, ho_engine
):
    outcome = ingest_one(make_set(register(), [comp_row(), comp_row()], format_version=1))

    assert outcome.status == "ingested"
    assert outcome.message == (
        "ingested: 2 comps of cafe-001 on 2026-11-23 "
        "(format version 1: it records no approvers and no stories)"
    )
    assert [r.approved_by_id for r in rows_of(ho_engine, StoreComp)] == [None, None]
    assert [s.format_version for s in rows_of(ho_engine, IngestedSet)] == [1]


def test_a_version_1_stories_file_with_rows_is_refused(register, make_set, ingest_one):
    comp = comp_row()
    story = {**story_row(comp), "story": "A story"}

    outcome = ingest_one(make_set(register(), [comp], stories=[story], format_version=1))

    assert outcome.refused
    assert "stories.csv: line 2: format version 1 has no stories rows to read" in outcome.message


def resign(path, keys, **changes):
    """The set's manifest with `changes`, signed again by the store (a valid signature)."""
    body = json.loads(path.read_text())["manifest"]
    body.update(changes)
    path.write_bytes(manifest.envelope(body, keys.key))
    return path


def test_version_2_columns_under_a_version_1_manifest_are_refused(register, make_set, ingest_one):
    keys = register()

    outcome = ingest_one(resign(make_set(keys), keys, format_version=1))

    assert outcome.refused
    assert "comps.csv: the header is not the comps columns of format version 1" in outcome.message


def test_a_newer_format_version_than_head_office_reads_is_refused(register, make_set, ingest_one):
    keys = register()

    outcome = ingest_one(resign(make_set(keys), keys, format_version=3))

    assert outcome.refused
    assert outcome.message.startswith(
        "format version 3 is not one this head office reads (1, 2); upgrade head office first"
    )
