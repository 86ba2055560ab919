"""Each bundled printer profile gets €, £ and accents on a page its printer holds them on."""

from __future__ import annotations

import pytest

from pos_plugin.printing import render
from pos_plugin.printing.template import Line

from . import escpos_stream

# In PC858 (Epson's page 19, the € page): € D5, £ 9C, é 82, ü 81, ß E1, ñ A4.
PC858 = b"\xd5 \x9c \x82 \x81 \xe1 \xa4\n"


@pytest.mark.parametrize(
    ("profile", "select_page"),
    [
        ("default", b"\x1bt\x13"),
        ("TM-T88V", b"\x1bt\x13"),
        ("TM-T20II", b"\x1bt\x13"),
        ("POS-5890", b"\x1bt\x35"),  # the POS-5890 lists PC858 at 53
    ],
)
def test_euro_pound_and_accents_print_on_pc858_on_every_bundled_profile(profile, select_page):
    job = render.to_escpos([Line("text", "€ £ é ü ß ñ")], render.Paper(profile, 32))

    assert select_page + PC858 in job
    assert job.count(b"\x1bt") == 1  # one page for the whole note: no switch mid-line
    assert escpos_stream.read(job, profile).text_lines == ["€ £ é ü ß ñ"]


def test_a_character_pc858_lacks_is_printed_on_another_page_that_holds_it():
    job = render.to_escpos([Line("text", "£2 λ €3")], render.Paper("TM-T88V", 42))

    paper = escpos_stream.read(job, "TM-T88V")
    assert paper.text_lines == ["£2 λ €3"]
    assert paper.pages[0] == "CP858"
    assert len(paper.pages) > 1
    assert not paper.pictures
