"""Which code page of a printer profile holds a character, and which one a note uses.

python-escpos' magic encoder is not trusted with a whole line: it sends a line
holding any CJK character as GB18030 bytes with no command before them, which an
Epson prints as garbage, and it takes € from the lowest-numbered page that has
one (ESC t 15 on an Epson, a page whose € real firmware may lack). So the note
chooses a page itself for each run of characters and sets it with the public
`Escpos.charcode()`: Epson's € page PC858 first, then WPC1252, then the
lowest-numbered page of the profile that holds the character.

Right-to-left text (Arabic, Hebrew) is never held: a code page would print its
letters unjoined and in the wrong order, so it is drawn as a picture instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from pos_plugin.printing import escpos_lib

PREFERRED = ("CP858", "CP1252")
RIGHT_TO_LEFT = {"R", "AL", "AN"}


@dataclass(frozen=True)
class CodePages:
    """A profile's code pages, PC858 or WPC1252 first where it lists one."""

    pages: tuple[str, ...]
    encoder: Any  # escpos.magicencode.Encoder: which characters each page holds

    def holds(self, char: str) -> bool:
        return self.page_for(char, None) is not None

    def page_for(self, char: str, current: str | None) -> str | None:
        """The page to print `char` on: `current` when it holds it, so no switch is sent."""
        if unicodedata.bidirectional(char) in RIGHT_TO_LEFT:
            return None
        if current is not None and self.encoder.can_encode(current, char):
            return current
        return next((page for page in self.pages if self.encoder.can_encode(page, char)), None)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """`text` as (page, run) pairs; every character of `text` must be held."""
        out: list[tuple[str, str]] = []
        page: str | None = None
        for char in text:
            page = self.page_for(char, page)
            if page is None:
                raise ValueError(f"no code page holds {char!r}")
            if out and out[-1][0] == page:
                out[-1] = (page, out[-1][1] + char)
            else:
                out.append((page, char))
        return out


@cache
def for_profile(profile: str) -> CodePages:
    escpos = escpos_lib.load()
    listed: dict[str, str] = escpos.capabilities.get_profile(profile).get_code_pages()
    by_slot = sorted(listed, key=lambda page: int(listed[page]))
    pages = tuple(p for p in PREFERRED if p in listed) + tuple(
        p for p in by_slot if p not in PREFERRED
    )
    return CodePages(pages, escpos.magicencode.Encoder(listed))
