"""What reaches the paper: exact ESC/POS bytes on python-escpos' Dummy printer, and wrapping."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pos_plugin.printing import render
from pos_plugin.printing.template import Line, Style, parse

CENTER_BOLD = Style(align="center", bold=True)
INIT, CUT = b"\x1b@", b"\x1dV\x00"
PAPER = render.Paper("TM-T88V", 42)


def note(*lines: Line) -> bytes:
    return render.to_escpos(list(lines), PAPER)


def test_a_job_starts_from_a_printer_reset_and_ends_with_the_cut():
    out = note(Line("text", "Hello"), Line("cut"))
    assert out.startswith(INIT)
    assert out.endswith(CUT)


def test_bold_and_centre_are_switched_on_for_their_line():
    out = note(Line("text", "Free cookie", CENTER_BOLD))
    assert b"\x1bE\x01" in out  # ESC E 1: bold on
    assert b"\x1ba\x01" in out  # ESC a 1: centre
    assert out.index(b"\x1bE\x01") < out.index(b"Free cookie")


def test_double_size_is_double_width_and_height():
    out = note(Line("text", "Copper", Style(size="double")))
    assert b"\x1b!0" in out or b"\x1d!\x11" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u00a31.80", b"\x9c1.80"),  # £ is 0x9C in code page 437
        ("caf\u00e9", b"caf\x82"),  # é is 0x82 in code page 437
        ("\u20ac2", b"\x1bt\x13\xd52"),  # € on Epson's page 19, PC858
    ],
)
def test_currency_symbols_and_accents_print_through_the_printers_code_pages(text, expected):
    assert expected in note(Line("text", text))


def test_a_character_no_code_page_holds_prints_as_a_visible_question_mark_when_asked():
    replace = render.Paper("TM-T88V", 42, unicode="replace")
    out = render.to_escpos([Line("text", "snow \u2603 day")], replace)
    assert b"snow ? day" in out
    assert render.to_text([Line("text", "snow \u2603 day")], replace) == "snow ? day\n"


def test_a_control_character_in_user_text_can_never_become_a_printer_command():
    # ESC i is a partial cut, ESC p kicks the cash drawer open.
    out = note(Line("text", "a\x1bi\x1bp\x00\x19b\x10\x04"))
    assert b"a?i?p??b??" in out
    assert out.count(b"\x1bi") == 0
    assert out.count(b"\x1bp") == 0


@given(st.text(max_size=80))
def test_printable_text_holds_no_c0_or_c1_control_character(text):
    cleaned = render.printable(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in cleaned)
    assert len(cleaned) == len(text)


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_long_words_and_lines_wrap_at_the_paper_width(columns):
    long_line = Line("text", "A " + "supercalifragilistic" * 4 + " note for Priya")
    text = render.to_text([long_line], render.Paper("TM-T88V", columns))
    assert max(len(line) for line in text.splitlines()) == columns
    assert "".join(text.split()) == "".join(long_line.text.split())


def test_double_size_lines_wrap_at_half_the_width():
    double = Line("text", "The Copper Kettle Cafe", Style(size="double"))
    text = render.to_text([double], render.Paper("POS-5890", 32))
    assert text.splitlines() == ["The Copper", "Kettle Cafe"]


def test_the_profile_gives_the_width_unless_the_config_sets_one():
    assert render.columns_for("TM-T88V", None) == 42
    assert render.columns_for("TM-T20II", None) == 48
    assert render.columns_for("POS-5890", None) == 32
    assert render.columns_for("TM-T88V", 40) == 40
    with pytest.raises(render.ProfileError, match="'TM-NOPE' is not a python-escpos printer"):
        render.columns_for("TM-NOPE", None)


def test_the_png_preview_is_a_picture_as_wide_as_the_paper():
    lines = parse("[center][double] {store}\n[rule]\n{note}\n[qr] {qr}\n[cut]", "t").render(
        {"store": "Copper", "note": "Happy birthday, Zo\u00eb!", "qr": "https://example.test"}
    )
    png = render.to_png(lines, PAPER)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == 42 * 12 + 2 * render.MARGIN


def test_a_logo_prints_as_a_raster_image_and_shows_in_the_preview(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("L", (64, 32), 0).save(logo)
    lines = [Line("logo"), Line("text", "Copper")]
    out = render.to_escpos(lines, PAPER, logo)
    assert b"\x1dv0" in out  # GS v 0: print raster bit image
    assert out.index(b"\x1dv0") < out.index(b"Copper")
    assert render.to_png(lines, PAPER, logo).startswith(b"\x89PNG")


def test_a_double_size_line_is_centred_in_the_full_width_of_the_text_format():
    # A till prints the text format at normal size: 6 characters centred in 42 columns.
    lines = [Line("text", "Copper", Style(align="center", size="double"))]
    assert render.to_text(lines, PAPER) == " " * 18 + "Copper\n"


def test_a_wide_character_takes_two_columns_when_the_text_format_centres_and_wraps():
    centred = render.to_text([Line("text", "\u5c71\u7530", Style(align="center"))], PAPER)
    assert centred == " " * 19 + "\u5c71\u7530\n"
    right = render.to_text([Line("text", "\u5c71\u7530", Style(align="right"))], PAPER)
    assert right == " " * 38 + "\u5c71\u7530\n"
    wrapped = render.to_text([Line("text", "\u5c71" * 30)], PAPER).splitlines()
    assert wrapped == ["\u5c71" * 21, "\u5c71" * 9]


@pytest.mark.parametrize(("profile", "cut_drawn"), [("TM-T88V", True), ("POS-5890", False)])
def test_the_preview_draws_the_cut_only_where_the_printer_cuts(profile, cut_drawn):
    lines = [Line("text", "Copper"), Line("cut")]
    out = render.to_escpos(lines, render.Paper(profile, 32))
    assert (CUT in out) is cut_drawn
    preview = Image.open(io.BytesIO(render.to_png(lines, render.Paper(profile, 32))))
    grey = 128  # the preview's dashed cut line
    assert (grey in {colour for _, colour in preview.getcolors()}) is cut_drawn
