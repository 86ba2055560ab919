"""JSON from outside, read within limits: nesting depth and duplicate keys.

Python's `json` parser recurses once per level of nesting, so a body of ten
thousand `[` raises `RecursionError` deep inside it; and it keeps the last of
two equal keys, so `{"amount": 1, "amount": 1000}` means different things to
different readers. `loads` refuses both before anything is built:

- the text's brackets are counted first by a scan that does not recurse (a
  regex finds strings and brackets; strings are skipped whole, so a `[` inside
  a note does not count), and more than `MAX_DEPTH` levels is `TooDeep`;
- every object is built by a pairs hook that refuses a key seen twice
  (`DuplicateKey`).

Both are `ValueError`s, as `json.JSONDecodeError` is, so any caller that
already handles bad JSON handles these. `LimitedJSONProvider` is Flask's
documented extension point for `app.json`: every `request.get_json()` and
`flask.json.loads` of the app goes through `loads`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.json.provider import DefaultJSONProvider

# The API's deepest body is two levels ({"allowance": {...}}); 32 leaves room for any
# honest client and stays far below the recursion limit.
MAX_DEPTH = 32

# A JSON string (a quote, then runs of anything but a quote or backslash and
# backslash escapes, then the closing quote) or one bracket. Strings are matched
# whole, in C, so brackets in them are never counted. The repetitions are possessive:
# a string left open runs to the end of the text instead of backtracking, so no text
# makes the scan slower than linear.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


class JSONLimitError(ValueError):
    """The text is JSON this service will not read; the message says which limit."""


class TooDeep(JSONLimitError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"nests arrays and objects more than {limit} levels deep")
        self.limit = limit


class DuplicateKey(JSONLimitError):
    def __init__(self, key: str) -> None:
        super().__init__(f"has the key {key!r} twice in one object")
        self.key = key


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """`TooDeep` when `text` nests more than `limit` levels; a loop, never recursion.

    It counts brackets only: whether the text is otherwise valid JSON is the
    parser's to say, afterwards.
    """
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > limit:
                raise TooDeep(limit)
        elif token in _CLOSING:
            depth -= 1


def _unique_pairs(
    object_hook: Callable[[dict[str, Any]], Any] | None,
) -> Callable[[list[tuple[str, Any]]], Any]:
    def build(pairs: list[tuple[str, Any]]) -> Any:
        built: dict[str, Any] = {}
        for key, value in pairs:
            if key in built:
                raise DuplicateKey(key)
            built[key] = value
        # A caller's object_hook (Flask's tagged session cookie) still gets each object.
        return object_hook(built) if object_hook is not None else built

    return build


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """`json.loads` within the limits: `TooDeep` or `DuplicateKey` (both `ValueError`).

    Bytes are read as UTF-8, as RFC 8259 asks of JSON exchanged between
    systems; bytes that are not UTF-8 raise `UnicodeDecodeError`, a `ValueError`.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    check_depth(text)
    if "object_pairs_hook" not in kwargs:
        kwargs["object_pairs_hook"] = _unique_pairs(kwargs.pop("object_hook", None))
    return json.loads(text, **kwargs)


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, reading JSON through `loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)
