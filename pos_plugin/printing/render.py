"""A rendered note as plain text, ESC/POS bytes (python-escpos) or a PNG preview (Pillow).

All three lay out the same printed lines (`lay_out`), so the previews show what
the printer prints. A character the printer would read as a command is printed
as "?". Text a code page of the printer's profile holds is sent as text, on the
page `codepages` chooses; a line holding anything else (CJK, Arabic, emoji) is
drawn as a picture (`raster`) in a font that has it, or, with `[printer] unicode
= "replace"` or no such font, that character prints as "?". Widths are counted
in columns, a CJK character or an emoji taking two, as on the paper.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pos_plugin.printing import codepages, escpos_lib, raster
from pos_plugin.printing.fonts import Fonts
from pos_plugin.printing.raster import CELL_H, CELL_W
from pos_plugin.printing.template import Line

if TYPE_CHECKING:
    from PIL import Image, ImageFont

UNPRINTABLE = "?"
DEFAULT_COLUMNS = 42
UNICODE_MODES = ("raster", "replace")


class ProfileError(ValueError):
    """`[printer] profile` names no python-escpos printer profile."""


def printable(text: str) -> str:
    """User text as the printer may see it: no control character can become a command."""
    return "".join(UNPRINTABLE if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text)


def columns_for(profile: str, columns: int | None) -> int:
    if columns is not None:
        return columns
    escpos = escpos_lib.load()
    try:
        return int(escpos.capabilities.get_profile(profile).get_columns("a"))
    except (KeyError, escpos.exceptions.Error) as error:
        raise ProfileError(f"{profile!r} is not a python-escpos printer profile") from error
    except (TypeError, ValueError):
        return DEFAULT_COLUMNS


@dataclass(frozen=True)
class Paper:
    """The printer a note is drawn for: its profile, its width, and what it does with
    text no code page holds ("raster": a picture; "replace": "?")."""

    profile: str
    columns: int
    unicode: str = "raster"
    fonts: Fonts = field(default_factory=Fonts)

    @property
    def code_pages(self) -> codepages.CodePages:
        return codepages.for_profile(self.profile)

    @property
    def can_cut(self) -> bool:
        profile = escpos_lib.load().capabilities.get_profile(self.profile)
        return bool(profile.supports("paperFullCut") or profile.supports("paperPartCut"))

    @property
    def dots(self) -> int:
        """The width of a picture line: the columns, or fewer dots if the paper has fewer."""
        media = escpos_lib.load().capabilities.get_profile(self.profile).profile_data["media"]
        pixels = str(media.get("width", {}).get("pixels", ""))
        dots = self.columns * CELL_W
        return min(dots, int(pixels)) if pixels.isdigit() else dots

    def legible(self, text: str) -> str:
        """`text` with "?" for each character that can print neither as text nor as a picture."""
        pages = self.code_pages
        return "".join(
            c
            if pages.holds(c) or (self.unicode == "raster" and self.fonts.font_for(c))
            else UNPRINTABLE
            for c in printable(unicodedata.normalize("NFC", text))
        )

    def is_picture(self, text: str) -> bool:
        return not all(map(self.code_pages.holds, text))


@dataclass(frozen=True)
class Printed:
    """One line as it comes out of the printer; `picture` when it is printed as an image."""

    line: Line
    picture: bool = False


def _width(line: Line, columns: int) -> int:
    return columns // 2 if line.style.size == "double" else columns


def wrap(line: Line, paper: Paper) -> list[str]:
    import wcwidth  # on first use: a tenth of a second that the tap path never needs

    text = paper.legible(line.text)
    return wcwidth.wrap(text, _width(line, paper.columns), break_on_hyphens=False) or [""]


def lay_out(lines: list[Line], paper: Paper) -> list[Printed]:
    out: list[Printed] = []
    for line in lines:
        if line.kind == "text":
            out += [
                Printed(Line("text", part, line.style), paper.is_picture(part))
                for part in wrap(line, paper)
            ]
        else:
            out.append(Printed(line))
    return out


def _aligned(text: str, line: Line, columns: int) -> str:
    # A till prints the text format at normal size: a double-size line is centred (or set
    # right) in the paper's full width, each character counted in the columns it takes.
    import wcwidth

    if line.style.align == "center":
        return str(wcwidth.center(text, columns)).rstrip()
    if line.style.align == "right":
        return str(wcwidth.rjust(text, columns))
    return text


def to_text(lines: list[Line], paper: Paper) -> str:
    out: list[str] = []
    for printed in lay_out(lines, paper):
        line = printed.line
        if line.kind == "text":
            out.append(_aligned(line.text, line, paper.columns))
        elif line.kind == "rule":
            out.append("-" * paper.columns)
        elif line.kind == "feed":
            out.append("")
        elif line.kind == "qr":
            out.append(_aligned(f"[QR: {printable(line.text)}]", line, paper.columns))
    return "\n".join(out) + "\n"


def to_escpos(lines: list[Line], paper: Paper, logo: Path | None = None) -> bytes:
    """The bytes of one whole job, starting from a printer reset so no earlier state leaks in."""
    printer = escpos_lib.load().printer.Dummy(profile=paper.profile)
    printer.hw("INIT")
    pages = paper.code_pages

    def text(value: str) -> None:
        for page, run in pages.runs(value):
            printer.charcode(page)
            printer.text(run)

    current = None
    for printed in lay_out(lines, paper):
        line, style = printed.line, printed.line.style
        if style != current:
            printer.set(
                align=style.align,
                bold=style.bold,
                normal_textsize=style.size == "normal",
                double_width=style.size == "double",
                double_height=style.size in ("double", "tall"),
            )
            current = style
        if printed.picture:
            printer.image(raster.text_line(line.text, style, paper.dots, paper.fonts))
        elif line.kind == "text":
            text(line.text + "\n")
        elif line.kind == "rule":
            text("-" * paper.columns + "\n")
        elif line.kind == "feed":
            text("\n")
        elif line.kind == "qr":
            printer.image(raster.qr(line.text, style, paper.dots))
        elif line.kind == "logo" and logo is not None:
            printer.image(str(logo), center=True)
        elif line.kind == "cut":
            printer.cut()
    return bytes(printer.output)


# The preview draws a 12 x 24 px cell per column, as a 203 dpi printer does with font A,
# in DejaVu Sans Mono (Debian's fonts-dejavu-core) where the machine has it.
MARGIN = 12
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
MONO_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")


def _font(double: bool, bold: bool) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    from PIL import ImageFont

    size = 40 if double else 20  # DejaVu Sans Mono is 0.6 em wide: 12 px a column at 20 px
    path = MONO_BOLD if bold else MONO
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _picture(printed: Printed, paper: Paper) -> Image.Image | None:
    line = printed.line
    if printed.picture:
        return raster.text_line(line.text, line.style, paper.dots, paper.fonts)
    if line.kind == "qr":
        return raster.qr(line.text, line.style, paper.dots)
    return None


def to_png(lines: list[Line], paper: Paper, logo: Path | None = None) -> bytes:
    """A preview of the paper: the same lines and pictures as the printer gets."""
    from PIL import Image, ImageDraw

    width = paper.columns * CELL_W + 2 * MARGIN
    blocks: list[tuple[Printed, Image.Image | None, int]] = []
    for printed in lay_out(lines, paper):
        line = printed.line
        picture = _picture(printed, paper)
        if picture is not None:
            blocks.append((printed, picture, picture.height))
        elif line.kind == "text":
            blocks.append((printed, None, CELL_H * (2 if line.style.size != "normal" else 1)))
        elif line.kind in ("rule", "feed", "cut"):
            blocks.append((printed, None, CELL_H))
        elif line.kind == "logo" and logo is not None:
            blocks.append((printed, None, 4 * CELL_H))
    height = sum(h for _, _, h in blocks) + 2 * MARGIN
    paper_image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(paper_image)
    can_cut = paper.can_cut
    y = MARGIN
    for printed, picture, h in blocks:
        line = printed.line
        if picture is not None:
            paper_image.paste(picture, (MARGIN, y))
        elif line.kind == "text":
            _draw_text(paper_image, line, y)
        elif line.kind == "rule":  # the printer prints the rule as a line of dashes
            _draw_text(paper_image, Line("text", "-" * paper.columns, line.style), y)
        elif line.kind == "cut" and can_cut:
            for x0 in range(MARGIN, width - MARGIN, 16):
                draw.line((x0, y + h // 2, x0 + 8, y + h // 2), fill=128, width=1)
        elif line.kind == "logo" and logo is not None:
            with Image.open(logo) as image:
                image.thumbnail((width - 2 * MARGIN, h))
                paper_image.paste(image.convert("L"), ((width - image.width) // 2, y))
        y += h
    out = io.BytesIO()
    paper_image.save(out, format="PNG")
    return out.getvalue()


def _draw_text(paper_image: Image.Image, line: Line, y: int) -> None:
    from PIL import Image, ImageDraw

    draw = ImageDraw.Draw(paper_image)
    font = _font(line.style.size == "double", line.style.bold)
    length = draw.textlength(line.text, font=font)
    width = paper_image.width
    x = {
        "left": MARGIN,
        "center": (width - length) / 2,
        "right": width - MARGIN - length,
    }[line.style.align]
    if line.style.size == "tall":
        cell = Image.new("L", (int(length) + 2, CELL_H), 255)
        ImageDraw.Draw(cell).text((0, 0), line.text, font=font, fill=0)
        paper_image.paste(cell.resize((cell.width, 2 * CELL_H)), (int(x), y))
    else:
        draw.text((x, y), line.text, font=font, fill=0)
