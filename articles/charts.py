"""Bar charts drawn on the server as SVG: geometry here, markup in admin/articles/_bar_chart.svg.

Readable without JavaScript: each bar has a <title> with its number, and the
page gives the same numbers as a table and as CSV.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 40, 36, 10


@dataclass
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


def bar_chart(points, *, title, every_label=1):
    """{title, width, height, bars, ticks, ...} for the template; `points` is [(label, value)].

    `every_label` shows one axis label in so many, where labels would overlap.
    """
    values = [value or 0 for _, value in points]
    top = max(values, default=0) or 1
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_width / max(len(points), 1)
    bars = []
    for index, ((label, _), value) in enumerate(zip(points, values, strict=True)):
        height = plot_height * value / top
        bars.append(
            Bar(
                label=str(label),
                value=value,
                x=round(MARGIN_LEFT + index * slot + slot * 0.1, 1),
                y=round(MARGIN_TOP + plot_height - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
            )
        )
    return {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": [(bar, index % every_label == 0) for index, bar in enumerate(bars)],
        "top": top,
        "axis_y": MARGIN_TOP + plot_height,
        "left": MARGIN_LEFT,
        "label_y": HEIGHT - MARGIN_BOTTOM + 14,
    }
