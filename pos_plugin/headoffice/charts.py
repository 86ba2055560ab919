"""Small bar charts drawn on the server as SVG: no script, no chart library to ship."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 170


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int], unit: str = "") -> Markup:
    """A horizontal bar per label; the longest bar fills the width. Text is escaped."""
    top = max(values, default=0) or 1
    height = len(labels) * (BAR_HEIGHT + GAP) + GAP
    room = WIDTH - LABEL_WIDTH - 80
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = GAP + row * (BAR_HEIGHT + GAP)
        width = max(1, round(room * value / top)) if value else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{escape(label[:28])}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="#b5651d"></rect>'
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 13}" font-size="12">'
            f"{escape(f'{value:,}{unit}')}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
