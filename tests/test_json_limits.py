"""JSON read within limits: what is refused, and that everything else reads as `json` does."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_plugin.json_limits import MAX_DEPTH, DuplicateKey, JSONLimitError, TooDeep, loads

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=20,
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@given(JSON_VALUES)
def test_any_json_within_the_limits_reads_as_the_standard_parser_reads_it(value):
    text = json.dumps(value)
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)


def test_nesting_is_counted_to_the_limit_and_refused_beyond_it():
    assert loads(nested(MAX_DEPTH)) is not None
    with pytest.raises(TooDeep, match="more than 32 levels deep"):
        loads(nested(MAX_DEPTH + 1))
    with pytest.raises(TooDeep):
        loads('{"a": ' * 100_000)  # would be a RecursionError in the standard parser


@pytest.mark.parametrize(
    "text",
    [
        '["' + "[" * 100 + '"]',
        '{"note": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        '["\\\\", "' + "{" * 50 + '"]',
    ],
    ids=["brackets-in-a-string", "after-an-escaped-quote", "after-an-escaped-backslash"],
)
def test_brackets_inside_strings_are_not_nesting(text):
    assert loads(text) == json.loads(text)


def test_a_key_twice_is_refused_at_any_depth_and_named():
    with pytest.raises(DuplicateKey) as error:
        loads('{"a": [{"item_id": 1, "note": "x", "item_id": 2}]}')
    assert error.value.key == "item_id"
    assert loads('{"a": 1, "b": {"a": 1}}') == {"a": 1, "b": {"a": 1}}  # same key, two objects


def test_the_limits_are_value_errors_so_existing_handlers_catch_them():
    assert issubclass(JSONLimitError, ValueError)
    with pytest.raises(ValueError, match="codec"):
        loads(b'{"note": "caf\xe9"}')


def test_a_callers_object_hook_still_sees_every_object():
    # Flask's session cookie is read with an object_hook; duplicates are still refused.
    assert loads('{"a": {"b": 1}}', object_hook=lambda o: sorted(o)) == ["a"]
    with pytest.raises(DuplicateKey):
        loads('{"a": 1, "a": 2}', object_hook=dict)


@pytest.mark.parametrize(
    "text",
    ['"' + '\\"' * 32_000, '"\\' * 32_000, '"a' * 32_000, '["' * 21_000],
    ids=["escaped-quotes", "quote-backslash", "quote-letter", "bracket-quote"],
)
def test_no_text_makes_the_depth_scan_slow(text):
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"Unterminated string|Expecting|Extra data|levels deep"):
        loads(text)
    assert time.perf_counter() - started < 0.5  # linear: milliseconds for 64 KB
