"""marshmallow's and webargs' own words for a field at fault, in the store's language.

The schemas' validators speak English; the API's problem names each field with
the reason read here, so a German store's till gets "Pflichtfeld fehlt." for
"Missing data for required field.". A reason not listed (a message of our own,
already translated) passes through as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

FIXED: dict[str, LazyString] = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid utf-8 string.": _l("Not a valid utf-8 string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Number too large.": _l("Number too large."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid UUID.": _l("Not a valid UUID."),
    "Not a valid mapping type.": _l("Not a valid mapping type."),
    "Not a valid list.": _l("Not a valid list."),
    "Invalid type.": _l("Invalid type."),
    "Invalid input type.": _l("Invalid input type."),
    "Unknown field.": _l("Unknown field."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid date and time."),
}

# Validators' messages with values in them: the English pattern and its translation.
FORMATTED: list[tuple[re.Pattern[str], Callable[[re.Match[str]], LazyString]]] = [
    (
        re.compile(r"Shorter than minimum length (\d+)\."),
        lambda m: _l("Shorter than minimum length %(min)s.", min=m[1]),
    ),
    (
        re.compile(r"Longer than maximum length (\d+)\."),
        lambda m: _l("Longer than maximum length %(max)s.", max=m[1]),
    ),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\."),
        lambda m: _l("Length must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (
        re.compile(r"Must be greater than or equal to (-?[\d.]+)\."),
        lambda m: _l("Must be %(min)s or more.", min=m[1]),
    ),
    (
        re.compile(r"Must be less than or equal to (-?[\d.]+)\."),
        lambda m: _l("Must be %(max)s or less.", max=m[1]),
    ),
    (
        re.compile(
            r"Must be greater than or equal to (-?[\d.]+) and less than or equal to (-?[\d.]+)\."
        ),
        lambda m: _l("Must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (
        re.compile(r"Must be one of: (.*)\."),
        lambda m: _l("Must be one of: %(choices)s.", choices=m[1]),
    ),
]


def translated(reason: str) -> str:
    """The reason in the store's language, where it is one of the validators' own."""
    if reason in FIXED:
        return str(FIXED[reason])
    for pattern, said in FORMATTED:
        found = pattern.fullmatch(reason)
        if found is not None:
            return str(said(found))
    return reason
