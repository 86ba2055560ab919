"""Receipt templates: mistakes are found when they are loaded, with the file and line."""

from __future__ import annotations

import dataclasses

import pytest

from pos_plugin import create_app
from pos_plugin.printing.app import RECEIPTS
from pos_plugin.printing.receipt import PROJECT_RECEIPTS, Receipts
from pos_plugin.printing.render import ProfileError
from pos_plugin.printing.template import TemplateError, load, parse
from pos_plugin.settings import PrinterSettings, SettingsError


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[centre] {store}", "unknown tag [centre]"),
        ("For {custmer}", "unknown field {custmer}"),
        ("[rule] ----", "[rule] stands alone on its line"),
        ("a { brace", "write a literal brace as {{ or }}"),
        ("[qr]", "[qr] needs the text to encode"),
        ("{note!r}", "write the field as {note}"),
        ("[double][tall] hi", "choose one size and one alignment"),
        ("[bold][qr] {qr}", "[qr] takes one of [left] [center] [right] before it"),
        ("[qr][center] {qr}", "[qr] takes one of [left] [center] [right] before it"),
        ("ring \x07 bell", "control character"),
    ],
)
def test_a_mistake_is_reported_with_the_file_and_line(line, message):
    with pytest.raises(TemplateError) as error:
        parse(f"# greeting\n[center] {{store}}\n{line}\n[cut]\n", "note.en.txt")
    assert str(error.value).startswith("note.en.txt:3: ")
    assert message in str(error.value)


def test_a_qr_code_may_be_aligned_like_text():
    [qr, _] = parse("[center][qr] {qr}\nThanks", "t").render({"qr": "https://example.test"})
    assert (qr.kind, qr.text, qr.style.align) == ("qr", "https://example.test", "center")


def test_a_line_whose_fields_are_all_empty_is_left_out():
    template = parse("[bold] {item}\nFor {customer}\n{note}\nThanks!", "t")
    lines = template.render({"item": "Free cookie", "customer": "", "note": "Enjoy\nit"})
    assert [line.text for line in lines] == ["Free cookie", "Enjoy", "it", "Thanks!"]


def test_a_literal_brace_is_written_twice():
    [line] = parse("{{ on the house }}", "t").render({})
    assert line.text == "{ on the house }"


def test_every_template_shipped_with_the_project_loads():
    names = sorted(path.name for path in PROJECT_RECEIPTS.glob("*.txt"))
    assert "note.en.txt" in names
    assert len([n for n in names if n.startswith("note.")]) >= 2
    for path in PROJECT_RECEIPTS.glob("*.txt"):
        load(path)


def test_a_bad_template_in_the_data_directory_stops_start_up_naming_it(settings, tmp_path):
    receipts_dir = settings.home / "receipts"
    receipts_dir.mkdir(parents=True)
    (receipts_dir / "note.en.txt").write_text("[center] {store}\n[blink] hi\n", encoding="utf-8")

    with pytest.raises(SettingsError) as error:
        create_app({"SETTINGS": settings})

    assert f"{receipts_dir / 'note.en.txt'}:2: unknown tag [blink]" in str(error.value)


def test_an_unknown_printer_profile_stops_start_up(settings, tmp_path):
    printer = PrinterSettings(kind="file", path=str(tmp_path / "lp0"), profile="TM-NOPE")
    broken = dataclasses.replace(settings, printer=printer)
    with pytest.raises(SettingsError, match="'TM-NOPE' is not a python-escpos printer profile"):
        create_app({"SETTINGS": broken})


def test_with_no_printer_an_unknown_profile_is_named_when_a_note_is_drawn(settings):
    app = create_app(
        {"SETTINGS": dataclasses.replace(settings, printer=PrinterSettings(profile="TM-NOPE"))}
    )
    with pytest.raises(ProfileError, match="'TM-NOPE' is not a python-escpos printer profile"):
        app.extensions[RECEIPTS].columns  # noqa: B018


def test_the_stores_own_template_wins_over_the_projects(tmp_path):
    own = tmp_path / "receipts"
    own.mkdir()
    (own / "note.en.txt").write_text("Our own words for {customer}\n", encoding="utf-8")
    receipts = Receipts.for_home(tmp_path, PrinterSettings())

    template = receipts.template_for_name("note.en.txt")

    assert [line.text for line in template.render({"customer": "Sam"})] == ["Our own words for Sam"]


def test_a_unicode_font_that_does_not_exist_stops_start_up(settings, tmp_path):
    printer = PrinterSettings(kind="file", path=str(tmp_path / "lp0"), unicode_font="fonts/x.ttf")
    with pytest.raises(SettingsError) as error:
        create_app({"SETTINGS": dataclasses.replace(settings, printer=printer)})
    assert f"[printer] unicode_font: {settings.home / 'fonts/x.ttf'} does not exist" in str(
        error.value
    )


def test_a_unicode_font_that_is_no_font_stops_start_up(settings, tmp_path):
    (settings.home / "fonts").mkdir(parents=True)
    (settings.home / "fonts" / "x.ttf").write_text("not a font", encoding="utf-8")
    printer = PrinterSettings(kind="file", path=str(tmp_path / "lp0"), unicode_font="fonts/x.ttf")
    with pytest.raises(SettingsError, match=r"x\.ttf is not a font file"):
        create_app({"SETTINGS": dataclasses.replace(settings, printer=printer)})
