"""A rendered note as plain text, ESC/POS bytes (python-escpos) or a PNG preview (Pillow).

All three read the same lines and wrap at the same width, so the preview shows
what the printer prints. Text reaches the printer only through `printable`:
a character the printer would read as a command is printed as "?", and one
no code page of the printer's profile holds becomes "?" too (python-escpos'
magic encoder), never silently dropped.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pos_plugin.printing import escpos_lib
from pos_plugin.printing.template import Line, Style

if TYPE_CHECKING:
    from PIL import Image, ImageFont

UNPRINTABLE = "?"
DEFAULT_COLUMNS = 42


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


def _width(line: Line, columns: int) -> int:
    return columns // 2 if line.style.size == "double" else columns


def wrap(line: Line, columns: int) -> list[str]:
    width = _width(line, columns)
    text = printable(line.text)
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]


def _aligned(text: str, line: Line, columns: int) -> str:
    width = _width(line, columns)
    if line.style.align == "center":
        return text.center(width).rstrip()
    if line.style.align == "right":
        return text.rjust(width)
    return text


def to_text(lines: list[Line], columns: int) -> str:
    out: list[str] = []
    for line in lines:
        if line.kind == "text":
            out += [_aligned(part, line, columns) for part in wrap(line, columns)]
        elif line.kind == "rule":
            out.append("-" * columns)
        elif line.kind == "feed":
            out.append("")
        elif line.kind == "qr":
            out.append(_aligned(f"[QR: {printable(line.text)}]", line, columns))
    return "\n".join(out) + "\n"


def to_escpos(lines: list[Line], profile: str, columns: int, logo: Path | None = None) -> bytes:
    """The bytes of one whole job, starting from a printer reset so no earlier state leaks in."""
    printer = escpos_lib.load().printer.Dummy(profile=profile)
    printer.hw("INIT")
    current = Style()
    for line in lines:
        style = line.style
        if style != current:
            printer.set(
                align=style.align,
                bold=style.bold,
                normal_textsize=style.size == "normal",
                double_width=style.size == "double",
                double_height=style.size in ("double", "tall"),
            )
            current = style
        if line.kind == "text":
            for part in wrap(line, columns):
                printer.text(part + "\n")
        elif line.kind == "rule":
            printer.text("-" * columns + "\n")
        elif line.kind == "feed":
            printer.ln()
        elif line.kind == "qr":
            printer.qr(line.text, size=4, native=False, center=style.align == "center")
        elif line.kind == "logo" and logo is not None:
            printer.image(str(logo), center=True)
        elif line.kind == "cut":
            printer.cut()
    return bytes(printer.output)


# The preview draws a 12 x 24 px cell per column, as a 203 dpi printer does with font A,
# in DejaVu Sans Mono (Debian's fonts-dejavu-core) where the machine has it.
CELL_W, CELL_H = 12, 24
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


def to_png(lines: list[Line], columns: int, logo: Path | None = None) -> bytes:
    """A preview of the paper: same wrapping and alignment as the printer."""
    from PIL import Image, ImageDraw

    width = columns * CELL_W + 2 * MARGIN
    blocks: list[tuple[str, Line, int]] = []
    for line in lines:
        if line.kind == "text":
            tall = 2 if line.style.size in ("double", "tall") else 1
            blocks += [(part, line, CELL_H * tall) for part in wrap(line, columns)]
        elif line.kind in ("rule", "feed", "cut"):
            blocks.append(("", line, CELL_H))
        elif line.kind == "qr":
            blocks.append((line.text, line, width // 2 + CELL_H))
        elif line.kind == "logo" and logo is not None:
            blocks.append(("", line, 4 * CELL_H))
    height = sum(h for _, _, h in blocks) + 2 * MARGIN
    paper = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(paper)
    y = MARGIN
    for text, line, h in blocks:
        if line.kind == "text":
            font = _font(line.style.size == "double", line.style.bold)
            length = draw.textlength(text, font=font)
            x = {
                "left": MARGIN,
                "center": (width - length) / 2,
                "right": width - MARGIN - length,
            }[line.style.align]
            if line.style.size == "tall":
                cell = Image.new("L", (int(length) + 2, CELL_H), 255)
                ImageDraw.Draw(cell).text((0, 0), text, font=font, fill=0)
                paper.paste(cell.resize((cell.width, 2 * CELL_H)), (int(x), y))
            else:
                draw.text((x, y), text, font=font, fill=0)
        elif line.kind == "rule":
            draw.line((MARGIN, y + h // 2, width - MARGIN, y + h // 2), fill=0, width=2)
        elif line.kind == "cut":
            for x0 in range(MARGIN, width - MARGIN, 16):
                draw.line((x0, y + h // 2, x0 + 8, y + h // 2), fill=128, width=1)
        elif line.kind == "qr":
            paper.paste(_qr_image(text, width // 2), ((width - width // 2) // 2, y))
        elif line.kind == "logo" and logo is not None:
            with Image.open(logo) as image:
                image.thumbnail((width - 2 * MARGIN, h))
                paper.paste(image.convert("L"), ((width - image.width) // 2, y))
        y += h
    out = io.BytesIO()
    paper.save(out, format="PNG")
    return out.getvalue()


def _qr_image(text: str, size: int) -> Image.Image:
    import qrcode

    image = qrcode.make(text).get_image().convert("L")
    return image.resize((size, size))
