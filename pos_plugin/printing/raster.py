"""Lines printed as pictures: text no code page holds, and QR codes.

The printer and the PNG preview get the same picture, pixel for pixel: one dot
of a 203 dpi printer is one pixel, a column is 12 dots wide (font A), and the
picture is as wide as the line, with its alignment drawn in. Text is drawn
without anti-aliasing, so each pixel is a dot the printer burns or leaves.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pos_plugin.printing.fonts import FontFile, Fonts, is_wide
from pos_plugin.printing.template import Style

if TYPE_CHECKING:
    from PIL import Image

CELL_W, CELL_H = 12, 24
BASELINE = 19  # pixels from the top of a 24-pixel line, as DejaVu Sans Mono sits in it


def _stays_with(font: FontFile, char: str) -> bool:
    # Spaces, punctuation and combining marks keep the font of the text around them, so an
    # Arabic phrase is one run that the layout engine (raqm) joins and orders right to left.
    if unicodedata.category(char)[0] == "M" or char in "\u200d\ufe0f":
        return True
    if font.wide and char.isascii():
        # ", " after Chinese is drawn in the Latin cells the text preview counts for it: in
        # the CJK font a space is a sliver, and "李, café" printed as "李,café".
        return False
    return unicodedata.category(char)[0] in "ZP" and font.has(char)


@dataclass(frozen=True)
class Run:
    font: FontFile
    wide: bool  # drawn two columns a character: 24 px a line, where Latin is 20 px
    direction: str | None  # "rtl", "ltr", or None: no letter of either
    text: str


def _strong(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    return "rtl" if kind in ("R", "AL") else "ltr" if kind == "L" else None


def runs(text: str, fonts: Fonts) -> list[Run]:
    """`text` cut where the font, the width or the direction changes; in reading order."""
    out: list[Run] = []
    for char in text:
        last = out[-1] if out else None
        if last is not None and _stays_with(last.font, char):
            out[-1] = dataclasses.replace(last, text=last.text + char)
            continue
        font = fonts.font_for(char)
        if font is None:
            raise ValueError(f"no font draws {char!r}")
        run = Run(font, is_wide(char), _strong(char), char)
        same_font = last is not None and (last.font, last.wide) == (font, run.wide)
        if last is not None and same_font and None in (run.direction, last.direction):
            direction = last.direction or run.direction
            out[-1] = dataclasses.replace(last, text=last.text + char, direction=direction)
        elif last is not None and same_font and run.direction == last.direction:
            out[-1] = dataclasses.replace(last, text=last.text + char)
        else:
            out.append(run)
    return out


def _visual(parts: list[Run], direction: str) -> list[Run]:
    """Runs left to right: each stretch of runs against the line's direction is turned
    round and keeps its trailing spaces on the line's side, as the bidi algorithm does."""
    resolved: list[Run] = []
    for i, run in enumerate(parts):
        if run.direction is None:  # between two runs of one direction, it takes theirs
            before = next((r.direction for r in parts[i::-1] if r.direction), direction)
            after = next((r.direction for r in parts[i:] if r.direction), direction)
            run = dataclasses.replace(run, direction=before if before == after else direction)
        resolved.append(run)
    split: list[Run] = []
    for i, run in enumerate(resolved):
        body = run.text.rstrip()
        ends_stretch = i + 1 == len(resolved) or resolved[i + 1].direction == direction
        if run.direction != direction and ends_stretch and body != run.text:
            gap = dataclasses.replace(run, text=run.text[len(body) :], direction=direction)
            split += [dataclasses.replace(run, text=body), gap]
        else:
            split.append(run)
    out: list[Run] = []
    stretch: list[Run] = []
    for run in split[::-1] if direction == "rtl" else split:
        if run.direction != direction:
            stretch.append(run)
            continue
        out += [*stretch[::-1], run]
        stretch = []
    return out + stretch[::-1]


def text_line(text: str, style: Style, width: int, fonts: Fonts) -> Image.Image:
    """One printed line of `text`, `width` dots wide, in its style (bold, size, alignment)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2 if style.size == "double" else 1
    direction = next((d for d in map(_strong, text) if d is not None), "ltr")
    parts = [
        (ImageFont.truetype(str(run.font.path), (24 if run.wide else 20) * scale), run)
        for run in _visual(runs(text, fonts), direction)
    ]
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    stroke = scale if style.bold else 0
    lengths = [
        int(probe.textlength(run.text, font=font, direction=run.direction)) + stroke
        for font, run in parts
    ]
    drawn = Image.new("L", (max(sum(lengths), 1), CELL_H * scale), 255)
    draw = ImageDraw.Draw(drawn)
    draw.fontmode = "1"
    x = 0
    for (font, run), length in zip(parts, lengths, strict=True):
        draw.text(
            (x, BASELINE * scale),
            run.text,
            font=font,
            fill=0,
            anchor="ls",
            stroke_width=stroke,
            direction=run.direction,
        )
        x += length
    drawn = drawn.point(lambda v: 0 if v < 128 else 255)  # a bold stroke is drawn smoothed
    if drawn.width > width:  # a run wider than its columns (proportional script) is narrowed
        drawn = drawn.resize((width, drawn.height), Image.Resampling.NEAREST)
    if style.size == "tall":
        drawn = drawn.resize((drawn.width, 2 * CELL_H), Image.Resampling.NEAREST)
    return _aligned(drawn, style, width)


def qr(text: str, style: Style, width: int) -> Image.Image:
    """The QR code as it prints: 4 dots a module, a quiet zone, half a line above and below."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(box_size=4, border=1, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")
    padded = Image.new("L", (image.width, image.height + CELL_H), 255)
    padded.paste(image, (0, CELL_H // 2))
    return _aligned(padded, style, width)


def _aligned(image: Image.Image, style: Style, width: int) -> Image.Image:
    from PIL import Image

    line = Image.new("L", (width, image.height), 255)
    x = {"left": 0, "center": (width - image.width) // 2, "right": width - image.width}
    line.paste(image.crop((0, 0, min(image.width, width), image.height)), (x[style.align], 0))
    return line
