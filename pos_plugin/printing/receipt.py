"""The friendly note of one comp: which template, filled with what, in which format.

Templates come from the store's own `$POS_PLUGIN_HOME/receipts/` first, then
the project's `receipts/`; the most specific one wins (breakdown, then item,
then the default note), in the store's language, else English. Every template
is checked when the service starts (`check_templates`), so a bad one stops
start-up with its file and line instead of failing at print time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from babel.dates import format_date, format_time

from pos_plugin.database import db
from pos_plugin.models import Breakdown, Comp, Staff, Store
from pos_plugin.printing import render
from pos_plugin.printing.fonts import FontError, Fonts
from pos_plugin.printing.template import Line, Template, TemplateError, load
from pos_plugin.settings import PrinterSettings

PROJECT_RECEIPTS = Path(__file__).resolve().parents[2] / "receipts"
FALLBACK_LANGUAGE = "en"

Format = Literal["text", "escpos", "png"]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True)
class Receipts:
    """Where templates live, and the printer settings that shape a note."""

    directories: tuple[Path, ...]
    printer: PrinterSettings
    home: Path

    @classmethod
    def for_home(cls, home: Path, printer: PrinterSettings) -> Receipts:
        return cls((home / "receipts", PROJECT_RECEIPTS), printer, home)

    @property
    def logo(self) -> Path | None:
        return (self.home / self.printer.logo) if self.printer.logo else None

    @property
    def columns(self) -> int:
        return render.columns_for(self.printer.profile, self.printer.columns)

    @property
    def fonts(self) -> Fonts:
        own = self.printer.unicode_font
        return _fonts(self.home / own if own else None)

    @property
    def paper(self) -> render.Paper:
        return render.Paper(self.printer.profile, self.columns, self.printer.unicode, self.fonts)

    def template_for(self, comp: Comp, breakdown: Breakdown | None, language: str) -> Template:
        names = []
        for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
            if breakdown is not None:
                names.append(f"breakdown-{slug(breakdown.title)}.{lang}.txt")
            names += [f"item-{slug(comp.item.name)}.{lang}.txt", f"note.{lang}.txt"]
        return self.template_for_name(*names)

    def template_for_name(self, *names: str) -> Template:
        """The first of `names` found, the store's own directory before the project's."""
        for name in names:
            for directory in self.directories:
                path = directory / name
                if path.is_file():
                    return _parsed(path, path.stat().st_mtime_ns)
        raise TemplateError(f"no receipt template: add {self.directories[0] / 'note.en.txt'}")

    def check(self) -> list[Path]:
        """Load every template and the printer's profile and logo; raise on the first mistake.

        With no printer the profile only sets the width of text notes; it is checked
        when the first note is drawn, so such a server never loads python-escpos.
        """
        checked = []
        for directory in self.directories:
            for path in sorted(directory.glob("*.txt")) if directory.is_dir() else []:
                load(path)
                checked.append(path)
        if self.printer.kind != "none":
            self.columns  # noqa: B018  (raises ProfileError for an unknown profile)
        if self.logo is not None and not self.logo.is_file():
            raise TemplateError(f"[printer] logo: {self.logo} does not exist")
        try:
            self.fonts  # noqa: B018  (raises FontError for a missing or broken unicode_font)
        except FontError as error:
            raise TemplateError(str(error)) from None
        return checked

    def missing_fonts(self) -> list[str]:
        """What prints as "?" for want of a font, with the Debian package that has it."""
        if self.printer.unicode != "raster":
            return []
        return [
            f'{font.draws} text prints as "?": {font.path} is missing'
            f" (Debian package {font.package})"
            for font in self.fonts.missing()
        ]

    def _values(self, store: Store, at: datetime, **values: str) -> dict[str, str]:
        local = at.astimezone(store.zone)
        return {
            "store": store.name,
            "date": format_date(local, format="medium", locale=store.locale),
            "time": format_time(local, format="short", locale=store.locale),
            "footer": self.printer.footer,
            "qr": self.printer.qr,
            **values,
        }

    def lines(self, store: Store, comp: Comp) -> list[Line]:
        breakdown = db.session.get(Breakdown, comp.breakdown_id) if comp.breakdown_id else None
        staff = db.session.get(Staff, comp.staff_id) if comp.staff_id else None
        values = self._values(
            store,
            comp.created_at,
            item=comp.item.name,
            value=comp.value.format(store.locale),
            customer=comp.customer_name or "",
            note=comp.note or "",
            barista=staff.name.split()[0] if staff else "",
        )
        return self.template_for(comp, breakdown, _language(store)).render(values)

    def sample_lines(self, store: Store, now: datetime) -> list[Line]:
        """The default note filled with sample words, for `pos-plugin print-test`."""
        template = self.template_for_name(f"note.{_language(store)}.txt", "note.en.txt")
        values = self._values(
            store,
            now,
            item="Test note",
            customer="Sam",
            note="If you can read this, friendly notes will print: € £ é ñ ü.",
            barista="On the House",
        )
        return template.render(values)

    def reprint_lines(self, store: Store, comp: Comp) -> list[Line]:
        """What a note sent again starts with, in the store's language: `reprint.<lang>.txt`."""
        template = self.template_for_name(f"reprint.{_language(store)}.txt", "reprint.en.txt")
        return template.render(self._values(store, comp.created_at, item=comp.item.name))

    def render(self, store: Store, comp: Comp, fmt: Format) -> bytes:
        return self.render_lines(self.lines(store, comp), fmt)

    def render_lines(self, lines: list[Line], fmt: Format) -> bytes:
        paper = self.paper
        if fmt == "text":
            return render.to_text(lines, paper).encode("utf-8")
        if fmt == "png":
            return render.to_png(lines, paper, self.logo)
        return render.to_escpos(lines, paper, self.logo)


def _language(store: Store) -> str:
    return store.locale.split("_")[0]


@lru_cache(maxsize=8)
def _fonts(own: Path | None) -> Fonts:
    return Fonts.with_own(own)


@lru_cache(maxsize=64)
def _parsed(path: Path, mtime_ns: int) -> Template:
    """A template parsed once per version of its file (the mtime is part of the key)."""
    return load(path)
