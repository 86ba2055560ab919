"""Small bar charts drawn on the server as SVG: no script, no chart library to ship.

Head office's report pages and the store manager's console both draw with it.
Each bar carries its label and exact value as data attributes, so what a chart
shows can be checked against the table and the CSV it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

# In the SVG's own units: the chart is drawn to its box's width (no width attribute), so
# these are proportions, and at a console's width a label is about the page's text size.
WIDTH = 960
BAR_HEIGHT = 28
GAP = 8
LABEL_WIDTH = 280
VALUE_ROOM = 120
LABEL_MAX = 30
FONT_SIZE = 17


def _plain(value: int) -> str:
    return f"{value:,}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    unit: str = "",
    *,
    fmt: Callable[[int], str] = _plain,
) -> Markup:
    """A horizontal bar per label; the longest bar fills the width. Text is escaped.

    `fmt` writes each value beside its bar (money in the store's currency, say).
    """
    top = max(values, default=0) or 1
    height = len(labels) * (BAR_HEIGHT + GAP) + GAP
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    baseline = (BAR_HEIGHT + FONT_SIZE) // 2 - 2
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = GAP + row * (BAR_HEIGHT + GAP)
        width = max(1, round(room * value / top)) if value else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + baseline}" text-anchor="end" '
            f'font-size="{FONT_SIZE}">{escape(label[:LABEL_MAX])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="#b5651d" data-label="{escape(label)}" data-value="{value}"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + baseline}" font-size="{FONT_SIZE}">'
            f"{escape(fmt(value) + unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
