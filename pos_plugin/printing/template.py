"""Receipt note templates: a small line-based markup, checked line by line when loaded.

A template is plain text. A line may open with style tags, and may hold fields
in braces that the comp fills in:

    # a comment
    [center][double] {store}
    [center][bold] {item}, on the house
    [center] For {customer}
    [rule]
    [qr] {qr}
    [cut]

Style tags: [left] [center] [right] [bold] [double] (double width and
height) [tall] (double height). Tags alone on a line: [rule] [logo] [feed]
[cut], and [qr] followed by the text to encode, which an alignment may come
before ([center][qr] {qr}). A line whose fields are all
empty is left out, so "For {customer}" only prints when there is a name. A
mistake is reported with the file and line number when the template is
loaded, never at print time.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FIELDS = {
    "store": "the store's name",
    "item": "the comp's item, e.g. Extra cream",
    "value": "the item's value in the store's currency",
    "customer": "the customer's first name, if the barista gave one",
    "note": "the barista's friendly note (may span lines)",
    "barista": "the first name of the barista who gave it",
    "date": "the date, in the store's zone and language",
    "time": "the time, in the store's zone and language",
    "footer": "the line the manager sets in [printer] footer",
    "qr": "the text of [printer] qr, for a [qr] line",
}
STYLE_TAGS = {"left", "center", "right", "bold", "double", "tall"}
LINE_TAGS = {"rule", "logo", "feed", "cut", "qr"}
ALIGN_TAGS = {"left", "center", "right"}
_TAG = re.compile(r"\[([a-z]+)\]")

Kind = Literal["text", "rule", "logo", "feed", "cut", "qr"]
Align = Literal["left", "center", "right"]
Size = Literal["normal", "double", "tall"]


class TemplateError(ValueError):
    """A template that cannot be used; the message starts with `file:line:`."""


@dataclass(frozen=True)
class Style:
    align: Align = "left"
    bold: bool = False
    size: Size = "normal"


@dataclass(frozen=True)
class TemplateLine:
    kind: Kind
    text: str = ""
    style: Style = field(default_factory=Style)
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    """One line of a rendered note, ready for any renderer (text, ESC/POS, PNG)."""

    kind: Kind
    text: str = ""
    style: Style = field(default_factory=Style)


@dataclass(frozen=True)
class Template:
    name: str
    lines: tuple[TemplateLine, ...]

    def render(self, values: Mapping[str, str]) -> list[Line]:
        out: list[Line] = []
        for line in self.lines:
            if line.fields and not any(values.get(name) for name in line.fields):
                continue
            text = line.text.format_map({name: values.get(name, "") for name in line.fields})
            if line.kind != "text":
                out.append(Line(line.kind, text.strip(), line.style))
                continue
            out += [Line("text", part, line.style) for part in text.split("\n")]
        return out


def _fields_of(text: str, where: str) -> tuple[str, ...]:
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError(f"{where}: {error}; write a literal brace as {{{{ or }}}}.") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            known = ", ".join("{" + n + "}" for n in FIELDS)
            raise TemplateError(f"{where}: unknown field {{{name}}}; use one of {known}.")
        if spec or conversion:
            raise TemplateError(f"{where}: write the field as {{{name}}}, with nothing after it.")
        names.append(name)
    return tuple(names)


def _parse_line(raw: str, where: str) -> TemplateLine:
    rest = raw.strip()
    tags: list[str] = []
    while match := _TAG.match(rest):
        tags.append(match.group(1))
        rest = rest[match.end() :].lstrip()
    unknown = [t for t in tags if t not in STYLE_TAGS | LINE_TAGS]
    if unknown:
        known = " ".join(f"[{t}]" for t in sorted(STYLE_TAGS | LINE_TAGS))
        raise TemplateError(f"{where}: unknown tag [{unknown[0]}]; the tags are {known}.")
    line_tags = [t for t in tags if t in LINE_TAGS]
    if line_tags == ["qr"] and tags[-1] == "qr" and set(tags[:-1]) <= ALIGN_TAGS:
        pass  # a QR code may be aligned like text
    elif line_tags == ["qr"]:
        raise TemplateError(f"{where}: [qr] takes one of [left] [center] [right] before it.")
    elif line_tags and (len(tags) > 1 or rest):
        raise TemplateError(f"{where}: [{line_tags[0]}] stands alone on its line.")
    if line_tags == ["qr"] and not rest:
        raise TemplateError(f"{where}: [qr] needs the text to encode, e.g. [qr] {{qr}}.")
    sizes = [t for t in tags if t in ("double", "tall")]
    aligns = [t for t in tags if t in ALIGN_TAGS]
    if len(sizes) > 1 or len(aligns) > 1:
        raise TemplateError(f"{where}: choose one size and one alignment per line.")
    style = Style(
        align=aligns[0] if aligns else "left",  # type: ignore[arg-type]
        bold="bold" in tags,
        size=sizes[0] if sizes else "normal",  # type: ignore[arg-type]
    )
    kind: Kind = line_tags[0] if line_tags else "text"  # type: ignore[assignment]
    return TemplateLine(kind, rest, style, _fields_of(rest, where))


def parse(text: str, name: str) -> Template:
    """A checked template; `TemplateError` names `name` and the line at fault."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("#"):
            continue
        where = f"{name}:{number}"
        if any(ord(c) < 0x20 and c != "\t" for c in raw):
            raise TemplateError(
                f"{where}: holds a control character; printers read those as commands."
            )
        lines.append(_parse_line(raw, where))
    if not any(line.kind == "text" and line.text for line in lines):
        raise TemplateError(f"{name}: the template prints no text.")
    return Template(name, tuple(lines))


def load(path: Path) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"{path}: not UTF-8 text.") from None
    except OSError as error:
        raise TemplateError(f"{path}: cannot be read: {error.strerror}.") from None
    return parse(text, str(path))
