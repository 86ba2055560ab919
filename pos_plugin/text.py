"""The one text type for everything a person types: what is accepted, decided once.

Every door that takes human text (API bodies and headers, tablet and manager
forms, the CLI, the config file, sync files read at head office) passes it
through `clean_text` or the `Text` schema field, so the database, the receipt
printer, CSV files and pages only ever see text of this shape:

- Unicode normalised to NFC, and lengths counted after that;
- surrounding white space trimmed;
- no NUL, no other control character (C0, DEL, C1), no lone surrogate, no
  Unicode noncharacter, and no bidirectional override or isolate (they can
  make a receipt or a report read differently from what was stored);
- a line break only in fields meant to hold several lines, where CR LF, CR,
  NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR all become LF first;
- text that is only invisible characters (zero-width spaces and joiners, word
  joiners, a BOM, variation selectors, Hangul fillers, blank Braille, white
  space) counts as empty: a required field says it is empty, an optional one
  is stored as no value. Nothing is stored that looks empty and is not. Such
  characters beside visible text are kept: a ZWJ inside an emoji sequence, a
  ZWNJ inside a Persian word.

`docs/text.md` says the same for users of the API.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"

_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Spaces (Unicode Zs), tab and line feed; str.strip() would also drop control
# characters such as U+001F silently, which must be refused instead.
_TRIM = " \t\n\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
# Characters that show nothing by themselves: Unicode's Default_Ignorable_Code_Point
# (DerivedCoreProperties.txt: soft hyphen, CGJ, ALM, Hangul fillers, Khmer inherent
# vowels, Mongolian selectors, zero-width space/joiners, LRM/RLM, word joiner and
# invisible operators, variation selectors, BOM, shorthand and musical format
# controls, tags), plus BRAILLE PATTERN BLANK (U+2800), which is not "ignorable" but
# prints as nothing and is the usual way to make a name look blank.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE_CHAR = re.compile(f"[{_INVISIBLE}]")
# White space counts as invisible here too: "\u200b \u200b" is as empty as "".
_INVISIBLE_ONLY = re.compile(f"[\\s{_INVISIBLE}]*")


TEXT_RULES = (
    "NFC-normalised and trimmed; NUL, other control characters, lone surrogates, "
    "noncharacters and bidirectional overrides are refused with 422; "
    "only invisible characters (e.g. zero-width spaces) count as empty"
)


class TextError(ValueError):
    """The text holds a character that no field accepts; the message says which and where.

    `message` is a lazy string: a door shows it in the store's language.
    """

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _refusal(char: str, multiline: bool, at: int = 0) -> LazyString | None:
    """Why `char` (the `at`-th character) may not stand in a field, or None when it may."""
    code = ord(char)
    point = f"U+{code:04X}"
    if char == "\n":
        if multiline:
            return None
        return _l(
            "Contains a line break (this field holds one line) at character %(at)s; remove it.",
            at=at,
        )
    if code == 0:
        return _l("Contains a NUL character (U+0000) at character %(at)s; remove it.", at=at)
    if 0xD800 <= code <= 0xDFFF:
        return _l(
            "Contains a lone surrogate (%(code)s, not valid Unicode) at character %(at)s; "
            "remove it.",
            code=point,
            at=at,
        )
    if unicodedata.category(char) == "Cc":
        return _l(
            "Contains a control character (%(code)s) at character %(at)s; remove it.",
            code=point,
            at=at,
        )
    if char in _BIDI_CONTROLS:
        return _l(
            "Contains a bidirectional control character (%(code)s) at character %(at)s; remove it.",
            code=point,
            at=at,
        )
    if _is_noncharacter(code):
        return _l(
            "Contains a Unicode noncharacter (%(code)s) at character %(at)s; remove it.",
            code=point,
            at=at,
        )
    return None


def _refused_class(multiline: bool) -> re.Pattern[str]:
    """Every character `_refusal` turns away, as one regex class: the common case (nothing
    refused) is then one scan in C instead of a Python call per character."""
    ranges = [
        "\x00-\x09" if multiline else "\x00-\x1f",
        "\x0b-\x1f" if multiline else "",
        "\x7f-\x9f",
        "\ud800-\udfff",
        "\u202a-\u202e",
        "\u2066-\u2069",
        "\ufdd0-\ufdef",
    ]
    ranges += [f"{chr(plane << 16 | 0xFFFE)}-{chr(plane << 16 | 0xFFFF)}" for plane in range(17)]
    return re.compile("[" + "".join(ranges) + "]")


_REFUSED = {multiline: _refused_class(multiline) for multiline in (False, True)}


def _normalise(value: str) -> str:
    # Surrogates make NFC raise; they are refused by the caller, so keep them as they are.
    value = _LINE_BREAKS.sub("\n", value)
    try:
        return unicodedata.normalize("NFC", value)
    except UnicodeError:
        return value


def looks_empty(value: str) -> bool:
    """True when `value` shows nothing: empty, or only white space and invisible characters."""
    return _INVISIBLE_ONLY.fullmatch(value) is not None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """The value as it will be stored, or `TextError` naming the first character refused.

    Text that shows nothing (`looks_empty`) is stored as the empty string, so
    every door's "empty" rule (a required field's message, an optional field's
    null) holds for it too.
    """
    value = _normalise(value).strip(_TRIM)
    refused = _REFUSED[multiline].search(value)
    if refused is not None:
        reason = _refusal(refused.group(), multiline, refused.start() + 1)
        assert reason is not None  # the class holds only refused characters
        raise TextError(reason)
    return "" if looks_empty(value) else value


def scrub_text(value: str, *, multiline: bool = False) -> str:
    """For text already stored: the same shape, each refused character made visible.

    A line break in a one-line field becomes a space; anything else refused
    becomes U+FFFD, so a reader sees that something was there. So does each
    invisible character of text that shows nothing else.
    """
    # Nearly all stored text is already of this shape: checked in C, it is kept as it is.
    if (
        _REFUSED[multiline].search(value) is None
        and _LINE_BREAKS.search(value) is None
        and unicodedata.is_normalized("NFC", value)
        and value.strip(_TRIM) == value
    ):
        return _INVISIBLE_CHAR.sub(REPLACEMENT, value) if looks_empty(value) else value
    return scrub_each_character(value, multiline=multiline)


def scrub_each_character(value: str, *, multiline: bool = False) -> str:
    """`scrub_text` the long way, a character at a time (what its quick check must equal)."""
    value = _LINE_BREAKS.sub("\n", value)
    value = "".join(
        char if _refusal(char, multiline) is None else " " if char == "\n" else REPLACEMENT
        for char in value
    )
    value = unicodedata.normalize("NFC", value).strip(_TRIM)
    return _INVISIBLE_CHAR.sub(REPLACEMENT, value) if looks_empty(value) else value


class Text(fields.String):
    """A schema field for human text: `clean_text`, then length limits on the clean value.

    Where the field may be null, text that is empty once trimmed (a tablet's
    untouched text box) loads as None.
    """

    def __init__(
        self,
        *,
        max_length: int,
        min_length: int | None = None,
        multiline: bool = False,
        **kwargs: Any,
    ) -> None:
        extra = kwargs.pop("validate", None)
        validators = [validate.Length(min=min_length, max=max_length)]
        validators += [extra] if callable(extra) else list(extra or [])
        super().__init__(validate=validators, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            cleaned = clean_text(raw, multiline=self.multiline)
        except TextError as error:
            raise ValidationError(str(error)) from error
        return None if cleaned == "" and self.allow_none else cleaned

    def _validate(self, value: Any) -> None:
        if value is not None:  # an empty optional text became None: nothing to measure
            super()._validate(value)
