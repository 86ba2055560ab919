"""The fonts that draw what no code page of the printer holds: CJK, right-to-left text, emoji.

Such a line is printed as a picture (`raster`), drawn in the first font of a
chain that has the character: the store's own `[printer] unicode_font`, then
well-known files from Debian's packages, those made for wide characters (CJK,
emoji) first for a character that takes two columns. A font that is missing is
named in a warning at start-up, and what only it could draw prints as "?".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


class FontError(ValueError):
    """`[printer] unicode_font` is missing or is not a font file."""


@dataclass(frozen=True)
class FontFile:
    path: Path
    wide: bool = False  # made for characters two columns wide: CJK, emoji
    draws: str = ""
    package: str = ""

    def has(self, char: str) -> bool:
        return self.path.is_file() and ord(char) in _characters(self.path)


WELL_KNOWN = (
    FontFile(Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")),
    FontFile(
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        True,
        "Chinese, Japanese and Korean",
        "fonts-noto-cjk",
    ),
    FontFile(
        Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
        True,
        "Emoji",
        "fonts-symbola",
    ),
    FontFile(
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        False,
        "Arabic, Hebrew and symbol",
        "fonts-dejavu-core",
    ),
)


def is_wide(char: str) -> bool:
    """Whether `char` takes two columns, as CJK characters and emoji do."""
    return unicodedata.east_asian_width(char) in ("W", "F")


@cache
def _characters(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError  # on first use: the tap path never needs it

    try:
        with path.open("rb") as file, TTFont(file, fontNumber=0, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError) as error:
        raise FontError(f"{path} is not a font file: {error}") from None


@dataclass(frozen=True)
class Fonts:
    """The fonts a picture line is drawn in: the store's own first, then the well-known."""

    own: FontFile | None = None
    chain: tuple[FontFile, ...] = field(default=WELL_KNOWN)

    @classmethod
    def with_own(cls, own: Path | None) -> Fonts:
        """The store's own font first (checked now), then the well-known ones."""
        if own is None:
            return cls()
        if not own.is_file():
            raise FontError(f"[printer] unicode_font: {own} does not exist")
        _characters(own)
        return cls(FontFile(own, draws="the store's own font"))

    def font_for(self, char: str) -> FontFile | None:
        if self.own is not None and self.own.has(char):
            return self.own
        wide = is_wide(char)
        ordered = sorted(self.chain, key=lambda font: font.wide != wide)
        return next((font for font in ordered if font.has(char)), None)

    def missing(self) -> list[FontFile]:
        """Well-known fonts that are not installed, for the warning at start-up."""
        return [font for font in self.chain if font.package and not font.path.is_file()]
