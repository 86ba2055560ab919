"""The one text type: what any string becomes, or why it is refused."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from pos_plugin import text
from pos_plugin.text import (
    REPLACEMENT,
    Text,
    TextError,
    clean_text,
    scrub_each_character,
    scrub_text,
)

# Every code point, surrogates included, with the troublesome ones drawn often.
ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from("\x00\x07\x1b\x7f\x85\t\n\r\u2028\u2029\u202e\u2066\ufeff\ufffe\ud800\u0301 "),
)
ANY_TEXT = st.text(alphabet=ANY_CHARACTER, max_size=60)


def is_clean(value: str, multiline: bool) -> bool:
    return all(
        (char == "\n" and multiline)
        or (
            unicodedata.category(char) not in ("Cc", "Cs")
            and char not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        )
        for char in value
    )


@given(ANY_TEXT, st.booleans())
def test_any_string_is_refused_or_comes_back_clean_nfc_and_stable(value, multiline):
    try:
        cleaned = clean_text(value, multiline=multiline)
    except TextError:
        return  # what a refusal says is checked below
    assert is_clean(cleaned, multiline)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip(" \t\n")
    assert clean_text(cleaned, multiline=multiline) == cleaned


@given(ANY_TEXT, st.booleans())
def test_scrubbing_always_gives_text_the_type_accepts(value, multiline):
    scrubbed = scrub_text(value, multiline=multiline)
    assert clean_text(scrubbed, multiline=multiline) == scrubbed


@given(ANY_TEXT, st.booleans())
def test_scrubbing_clean_text_quickly_gives_what_scrubbing_each_character_gives(value, multiline):
    assert scrub_text(value, multiline=multiline) == scrub_each_character(
        value, multiline=multiline
    )


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("  Sam  ", False, "Sam"),
        ("Cafe\u0301", False, "Caf\u00e9"),
        ("Happy\r\nbirthday\u2028Sam", True, "Happy\nbirthday\nSam"),
        ("\U0001f382 Zo\u00eb", False, "\U0001f382 Zo\u00eb"),
        ("\u200d\U0001f469\u200d\U0001f373", False, "\u200d\U0001f469\u200d\U0001f373"),
    ],
)
def test_accepted_text_is_stored_like_this(value, multiline, expected):
    assert clean_text(value, multiline=multiline) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "Contains a NUL character (U+0000) at character 2"),
        ("\ud800", "Contains a lone surrogate (U+D800, not valid Unicode) at character 1"),
        ("\x1b[2J", "Contains a control character (U+001B) at character 1"),
        ("a\tb", "Contains a control character (U+0009) at character 2"),
        ("two\nlines", "Contains a line break (this field holds one line) at character 4"),
        ("abc\u202e", "Contains a bidirectional control character (U+202E) at character 4"),
        ("x\uffff", "Contains a Unicode noncharacter (U+FFFF) at character 2"),
    ],
)
def test_refused_text_says_what_and_where(value, message):
    with pytest.raises(TextError, match=re.escape(message)):
        clean_text(value)


def test_scrubbing_makes_refused_characters_visible():
    assert scrub_text("front\x00\x07till\u202e") == f"front{REPLACEMENT * 2}till{REPLACEMENT}"
    assert scrub_text("one\r\ntwo") == "one two"
    assert scrub_text("one\r\ntwo", multiline=True) == "one\ntwo"


class NoteSchema(Schema):
    note = Text(max_length=5, allow_none=True, load_default=None)
    name = Text(max_length=10, min_length=1, required=False)


def test_the_field_measures_the_clean_value_and_names_itself():
    assert NoteSchema().load({"note": "e\u0301" * 5}) == {"note": "\u00e9" * 5}
    assert NoteSchema().load({"note": "   "}) == {"note": None}
    with pytest.raises(ValidationError) as error:
        NoteSchema().load({"note": "ok\x00", "name": "  "})
    assert set(error.value.messages) == {"note", "name"}
    assert "NUL character" in error.value.messages["note"][0]


@pytest.mark.parametrize("multiline", [False, True])
def test_the_fast_scan_refuses_exactly_the_characters_the_rules_name(multiline):
    # clean_text finds a refused character with one regex scan; it must agree with the
    # character-by-character rules everywhere in Unicode, not only on the examples above.
    disagree = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if (text._REFUSED[multiline].match(chr(code)) is None)
        != (text._refusal(chr(code), multiline) is None)
    ]
    assert disagree == []


# Zero-width space, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, a variation selector, a tag,
# Hangul filler, blank Braille: each alone shows nothing.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0f\U000e0041\u3164\u2800"


@pytest.mark.parametrize("char", list(INVISIBLE), ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("multiline", [False, True])
def test_text_of_only_invisible_characters_is_empty(char, multiline):
    assert clean_text(char * 3, multiline=multiline) == ""
    assert clean_text(f" {char} {char}\u00a0", multiline=multiline) == ""
    assert text.looks_empty(char)


@pytest.mark.parametrize(
    "value",
    [
        "\U0001f469\u200d\U0001f373",  # woman cook: a ZWJ sequence
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian "I want": a ZWNJ inside
        "\u2764\ufe0f",  # red heart with its emoji variation selector
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "Sam\u200b",
    ],
    ids=["zwj-emoji", "zwnj-persian", "variation-selector", "tag-flag", "zwsp-after-a-name"],
)
def test_invisible_characters_beside_visible_text_are_kept(value):
    assert clean_text(value) == value
    assert not text.looks_empty(value)


def test_the_field_treats_invisible_only_text_as_empty():
    assert NoteSchema().load({"note": "\u200b\u200b"}) == {"note": None}
    with pytest.raises(ValidationError) as error:
        NoteSchema().load({"name": "\ufeff"})
    assert error.value.messages["name"] == ["Length must be between 1 and 10."]


def test_stored_invisible_only_text_is_shown_as_replacement_characters():
    assert scrub_text("\u200b \u200b") == f"{REPLACEMENT} {REPLACEMENT}"
    assert scrub_text("\U0001f469\u200d\U0001f373") == "\U0001f469\u200d\U0001f373"
