"""An ESC/POS reader for tests, independent of the renderer: what a printer makes of the bytes.

It walks a job command by command, the way an Epson reads it, and fails on any
byte it does not know. Text is decoded one byte a character through the code
page the job last chose (ESC t n, after ESC @ page 0), by the slot numbers of
the printer's profile; a raster picture (GS v 0) is kept as an image. So a
multi-byte encoding outside a picture shows up as wrong text or as an unknown
control byte, never passes unseen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from pos_plugin.printing import escpos_lib

ESC, GS, LF = 0x1B, 0x1D, 0x0A
ONE_ARGUMENT = {ord(c) for c in "!Eatd"}


@dataclass(frozen=True)
class TextLine:
    text: str
    align: int = 0  # ESC a: 0 left, 1 centre, 2 right
    bold: bool = False
    size: int = 0  # ESC !: 0x10 double height, 0x20 double width


@dataclass
class Paper:
    """What came out: text lines and pictures in order, and the commands met."""

    items: list[TextLine | Image.Image] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    cuts: int = 0

    @property
    def text_lines(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, TextLine)]

    @property
    def pictures(self) -> list[Image.Image]:
        return [item for item in self.items if isinstance(item, Image.Image)]


def _pages(profile: str) -> dict[str, str]:
    pages: dict[str, str] = escpos_lib.load().capabilities.get_profile(profile).get_code_pages()
    return pages


def _decoder(profile: str, slot: int) -> dict[int, str]:
    names = {int(n): page for page, n in _pages(profile).items()}
    if slot not in names:
        return {}  # a page the profile does not list: any byte above 0x7F fails the read
    code_pages = importlib.import_module("escpos.codepages").CodePages
    encoding = code_pages.get_encoding(names[slot])
    if "data" in encoding:
        return dict(enumerate("".join(encoding["data"]), start=0x80))
    return {b: bytes([b]).decode(encoding["python_encode"]) for b in range(0x80, 0x100)}


def read(job: bytes, profile: str) -> Paper:
    paper = Paper()
    table = _decoder(profile, 0)
    style = {"!": 0, "E": 0, "a": 0}
    line = ""
    i = 0
    while i < len(job):
        byte = job[i]
        if byte == ESC:
            command = job[i + 1]
            if command == ord("@"):
                table, i = _decoder(profile, 0), i + 2
                continue
            assert command in ONE_ARGUMENT, f"unknown command ESC {command:#x} at {i}"
            if chr(command) in style:
                style[chr(command)] = job[i + 2]
            if command == ord("t"):
                paper.pages += [p for p, n in _pages(profile).items() if int(n) == job[i + 2]]
                table = _decoder(profile, job[i + 2])
            i += 3
        elif byte == GS:
            command = job[i + 1]
            if command == ord("V"):
                paper.cuts += 1
                i += 4 if job[i + 2] in (65, 66) else 3
            elif command == ord("v") and job[i + 2] == ord("0"):
                width_bytes = int.from_bytes(job[i + 4 : i + 6], "little")
                height = int.from_bytes(job[i + 6 : i + 8], "little")
                data = job[i + 8 : i + 8 + width_bytes * height]
                picture = Image.frombytes("1", (width_bytes * 8, height), data)
                # raster bits are 1 for a burnt dot: black on white, as on paper
                paper.items.append(Image.eval(picture.convert("L"), lambda v: 255 - v))
                i += 8 + width_bytes * height
            else:
                raise AssertionError(f"unknown command GS {command:#x} at {i}")
        elif byte == LF:
            paper.items.append(TextLine(line, style["a"], bool(style["E"]), style["!"]))
            line, i = "", i + 1
        else:
            assert byte >= 0x20, f"control byte {byte:#x} at {i}"
            assert byte != 0x7F, f"control byte DEL at {i}"
            assert byte < 0x80 or byte in table, f"byte {byte:#x} at {i} on no known page"
            line += chr(byte) if byte < 0x80 else table[byte]
            i += 1
    assert line == "", f"text left without a line feed: {line!r}"
    return paper


def draw(paper: Paper, columns: int) -> Image.Image:
    """The paper as a picture: text in a monospaced font at its size, weight and alignment,
    12 x 24 dots a character as font A, and the pictures as they came."""
    width = columns * 12 + 24
    heights = [
        (48 if item.size & 0x10 else 24) if isinstance(item, TextLine) else item.height
        for item in paper.items
    ]
    out = Image.new("L", (width, 24 + sum(heights)), 255)
    y = 12
    for item, height in zip(paper.items, heights, strict=True):
        if isinstance(item, TextLine):
            name = "DejaVuSansMono-Bold" if item.bold else "DejaVuSansMono"
            font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{name}.ttf", 20)
            cell = Image.new("L", (12 * len(item.text) + 2, 24), 255)
            ImageDraw.Draw(cell).text((0, 0), item.text, font=font, fill=0)
            cell = cell.resize(
                (cell.width * (2 if item.size & 0x20 else 1), height), Image.Resampling.NEAREST
            )
            x = {0: 12, 1: (width - cell.width) // 2, 2: width - 12 - cell.width}[item.align]
            out.paste(cell, (x, y))
            y += height
        else:
            out.paste(item, (12, y))
            y += height
    return out
