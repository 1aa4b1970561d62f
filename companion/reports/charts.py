"""Bar charts drawn as SVG on the server: no script, no CDN, the same figures as the table beside.

Pure (no Flask, no database): labels and values in, SVG text out, every label escaped.
The chart is an image with a title for screen readers; the table beside it carries the
figures themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150
BAR_WIDTH = 220
VALUE_WIDTH = 60


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """Horizontal bars, longest = the largest value; an empty chart says so in its title."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    top = max((value for _, value in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / top, 1)
        middle = y + BAR_HEIGHT / 2
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{middle}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(label)}</text>",
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}"></rect>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" dominant-baseline="middle">{_number(value)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
