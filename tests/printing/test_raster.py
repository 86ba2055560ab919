"""Text no code page holds prints as a picture, and the previews show that same picture."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from pos_plugin.printing import raster, render
from pos_plugin.printing.fonts import FontFile, Fonts
from pos_plugin.printing.template import Line, Style, parse

from . import escpos_stream

PAPER = render.Paper("TM-T88V", 42)
LATIN = ["Thank you for coming, Zoë!", "café £2, crème brûlée €3"]
SCRIPTS = {
    "Chinese": "谢谢光临",
    "Japanese": "ありがとうございます",
    "Korean": "감사합니다",
    "Arabic": "شكرا لزيارتكم",
    "emoji": "🎂☕🍪",
}


def printed(lines: list[Line], paper: render.Paper = PAPER) -> escpos_stream.Paper:
    return escpos_stream.read(render.to_escpos(lines, paper), paper.profile)


def inked(picture: Image.Image) -> bool:
    return picture.getbbox() is not None and ImageChops.invert(picture).getbbox() is not None


def in_preview(picture: Image.Image, preview: Image.Image) -> bool:
    """Whether the preview holds `picture`, dot for dot, at the left margin of some line."""
    target = picture.tobytes()
    for y in range(preview.height - picture.height + 1):
        box = (render.MARGIN, y, render.MARGIN + picture.width, y + picture.height)
        if preview.crop(box).tobytes() == target:
            return True
    return False


def test_latin_prints_as_text_and_every_other_script_as_a_picture():
    lines = [Line("text", LATIN[0])] + [Line("text", t) for t in SCRIPTS.values()]
    lines.append(Line("text", LATIN[1]))

    paper = printed(lines)

    # The reader decodes each byte outside a picture through the page the job chose; GB18030
    # or UTF-8 there would read as other letters or as an unknown control byte.
    assert paper.text_lines == LATIN
    assert len(paper.pictures) == len(SCRIPTS)
    assert all(inked(picture) for picture in paper.pictures)


def test_case_1_names_and_prices_next_to_cjk_print_legibly():
    lines = parse("[center] For {customer}\n{note}", "t").render(
        {"customer": "山田太郎", "note": "Zoë 李\ncafé £2 好吃\ncafé £2"}
    )

    paper = printed(lines)

    # Each line holding CJK is one picture; the Latin line alone stays text.
    assert paper.text_lines == ["café £2"]
    assert len(paper.pictures) == 3
    assert render.to_text(lines, PAPER).splitlines() == [
        " " * 15 + "For 山田太郎",  # 12 columns wide, centred in 42
        "Zoë 李",
        "café £2 好吃",
        "café £2",
    ]


def test_the_png_preview_holds_the_very_pictures_the_printer_gets():
    lines = [Line("text", "For 山田太郎", Style(align="center", bold=True))]
    lines += [Line("text", "Zoë 李 🎂", Style(size="double")), Line("text", "شكرا Zoë")]

    paper = printed(lines)
    preview = Image.open(io.BytesIO(render.to_png(lines, PAPER))).convert("L")

    assert len(paper.pictures) == 3
    for picture in paper.pictures:
        assert in_preview(picture, preview)


def test_a_picture_line_is_drawn_at_its_size_and_alignment():
    def picture(style: Style) -> Image.Image:
        [one] = printed([Line("text", "山田", style)]).pictures
        return one

    left, centre = picture(Style()), picture(Style(align="center"))
    double = picture(Style(size="double"))
    assert left.width == centre.width == 42 * 12
    assert double.height == 2 * left.height
    left_ink = ImageChops.invert(left).getbbox()
    centre_ink = ImageChops.invert(centre).getbbox()
    double_ink = ImageChops.invert(double).getbbox()
    assert left_ink is not None
    assert centre_ink is not None
    assert double_ink is not None
    assert left_ink[0] < 4
    assert abs((centre_ink[0] + centre_ink[2]) / 2 - centre.width / 2) <= 2
    assert double_ink[2] >= 2 * left_ink[2] - 2  # twice as wide


def test_unicode_replace_prints_a_question_mark_for_each_such_character():
    replace = render.Paper("TM-T88V", 42, unicode="replace")
    lines = [Line("text", "For 山田太郎 🎂"), Line("text", "café £2")]

    paper = printed(lines, replace)

    assert paper.text_lines == ["For ???? ?", "café £2"]
    assert not paper.pictures
    assert render.to_text(lines, replace) == "For ???? ?\ncafé £2\n"


def test_without_a_font_that_has_the_script_it_prints_as_a_question_mark():
    no_cjk = Fonts(chain=(FontFile(Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")),))
    paper = render.Paper("TM-T88V", 42, fonts=no_cjk)

    assert printed([Line("text", "For 山田")], paper).text_lines == ["For ??"]
    assert render.to_text([Line("text", "For 山田")], paper) == "For ??\n"


def test_a_font_that_is_not_installed_is_named_with_its_package():
    cjk = FontFile(Path("/nowhere/NotoSansCJK-Regular.ttc"), True, "CJK", "fonts-noto-cjk")
    assert [font.package for font in Fonts(chain=(cjk,)).missing()] == ["fonts-noto-cjk"]


@pytest.mark.parametrize(("align", "centre_x"), [("left", None), ("center", 42 * 12 / 2)])
def test_the_qr_code_prints_where_and_as_large_as_the_preview_shows_it(align, centre_x):
    template = parse(f"[{align}][qr] {{qr}}\nThanks", "t")
    lines = template.render({"qr": "https://example.test/review"})[:1]

    [printed_qr] = printed(lines).pictures
    preview = Image.open(io.BytesIO(render.to_png(lines, PAPER))).convert("L")

    on_paper = ImageChops.invert(printed_qr).getbbox()
    on_preview = ImageChops.invert(preview).getbbox()
    assert on_paper is not None
    assert on_preview is not None
    shifted = tuple(v - render.MARGIN for v in on_preview)
    assert (on_paper[0], on_paper[2]) == (shifted[0], shifted[2])  # same columns
    assert on_paper[3] - on_paper[1] == shifted[3] - shifted[1]  # same height
    if centre_x is not None:
        assert abs((on_paper[0] + on_paper[2]) / 2 - centre_x) <= 4
    else:
        assert on_paper[0] < 8


def test_a_tap_for_a_customer_named_in_cjk_reaches_the_printer_legible(
    printer, worker, client, auth, make_item
):
    item = make_item(value=50, name="Extra cream")
    printer.start()
    response = client.post(
        "/api/v1/comps",
        json={"item_id": item.id, "customer_name": "山田太郎", "note": "Zoë 李, café £2 €3"},
        headers={**auth("till"), "Idempotency-Key": "case-1"},
    )
    assert response.status_code == 201

    worker.step()
    [note] = printer.wait_for_notes(1)

    paper = escpos_stream.read(note, "default")
    assert "Extra cream, on the house" in paper.text_lines
    assert not any("山" in line or "李" in line for line in paper.text_lines)
    assert len(paper.pictures) == 2  # "For 山田太郎" and "Zoë 李, café £2 €3"
    assert "山田太郎".encode("gb18030") not in note


def test_latin_punctuation_and_spaces_after_cjk_keep_the_width_of_their_cells():
    # In the CJK font a space is a sliver: "李, café" printed as "李,café".
    plain = Style(align="left", bold=False, size="normal")
    with_space = raster.text_line("李, café", plain, 512, Fonts())
    without = raster.text_line("李,café", plain, 512, Fonts())

    assert [run.text for run in raster.runs("Zoë 李, café", Fonts())] == ["Zoë ", "李", ", café"]
    # One cell (12 dots) more of white between the comma and the "c".
    assert _inked_width(with_space) - _inked_width(without) == 12


def _inked_width(image: Image.Image) -> int:
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None
    return box[2] - box[0]
