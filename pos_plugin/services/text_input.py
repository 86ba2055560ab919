"""Human text handed to a service: cleaned by the one text type, refused in the shop's words.

Schemas clean text at the API door already; services that take names and
reasons from any door (CLI, pages, jobs) call `required_text` so that every
door gets the same rule and the same message.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pos_plugin.services.errors import InvalidInput
from pos_plugin.text import TextError, clean_text


def optional_text(
    value: str, *, field: str, max_length: int | None, multiline: bool = False
) -> str:
    """The cleaned value (maybe empty); `InvalidInput` naming `field` when dirty or too long."""
    try:
        cleaned = clean_text(value, multiline=multiline)
    except TextError as error:
        raise InvalidInput(error.message, field=field) from None
    if max_length is not None and len(cleaned) > max_length:
        raise InvalidInput(_l("Use at most %(max)s characters.", max=max_length), field=field)
    return cleaned


def required_text(
    value: str,
    *,
    field: str,
    max_length: int | None,
    empty: LazyString,
    multiline: bool = False,
) -> str:
    """As `optional_text`, and `empty` is the message when nothing is left once cleaned."""
    cleaned = optional_text(value, field=field, max_length=max_length, multiline=multiline)
    if not cleaned:
        raise InvalidInput(empty, field=field)
    return cleaned
