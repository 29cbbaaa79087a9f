"""Charts drawn on the server as SVG: readable without JavaScript, printable, and always shown
beside a table of the same figures (the table is what screen readers and Excel users read).

No inline style: colours and sizes come from classes in static/css/dashboard.css, so the strict
Content-Security-Policy holds and high-contrast mode recolours the charts too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the page shows it ("93%", "119")


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: Sequence[float]


BAR_HEIGHT = 28
BAR_GAP = 10
LABEL_WIDTH = 160
CHART_WIDTH = 640


def bar_chart(bars: Sequence[Bar], *, title: str, maximum: float | None = None) -> SafeString:
    """Horizontal bars, one per row, each labelled with its name and value."""
    top = maximum if maximum is not None else max((bar.value for bar in bars), default=0)
    top = top or 1
    span = CHART_WIDTH - LABEL_WIDTH - 70
    height = max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP)
    rows = format_html_join(
        "",
        '<g transform="translate(0,{})">'
        '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="chart-bar" x="{}" y="0" width="{}" height="{}" rx="3"></rect>'
        '<text class="chart-value" x="{}" y="{}">{}</text></g>',
        (
            (
                index * (BAR_HEIGHT + BAR_GAP),
                LABEL_WIDTH - 8,
                BAR_HEIGHT * 0.7,
                _shorten(bar.label),
                LABEL_WIDTH,
                round(max(bar.value, 0) / top * span, 1),
                BAR_HEIGHT,
                LABEL_WIDTH + round(max(bar.value, 0) / top * span, 1) + 6,
                BAR_HEIGHT * 0.7,
                bar.text,
            )
            for index, bar in enumerate(bars)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        CHART_WIDTH,
        height,
        title,
        title,
        rows,
    )


TREND_HEIGHT = 220
TREND_PADDING = 36


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str) -> SafeString:
    """Lines over months: one polyline per series, points marked, axis labelled every month."""
    top = max((value for line in series for value in line.values), default=0) or 1
    count = max(len(labels), 1)
    step = (CHART_WIDTH - 2 * TREND_PADDING) / max(count - 1, 1)
    plot_height = TREND_HEIGHT - 2 * TREND_PADDING

    def point(index: int, value: float) -> tuple[float, float]:
        x = TREND_PADDING + index * step
        y = TREND_PADDING + plot_height - max(value, 0) / top * plot_height
        return round(x, 1), round(y, 1)

    lines = format_html_join(
        "",
        '<polyline class="chart-line {}" points="{}" fill="none"></polyline>{}',
        (
            (
                line.css_class,
                " ".join(f"{x},{y}" for x, y in (point(i, v) for i, v in enumerate(line.values))),
                format_html_join(
                    "",
                    '<circle class="chart-point {}" cx="{}" cy="{}" r="4"></circle>',
                    ((line.css_class, *point(i, value)) for i, value in enumerate(line.values)),
                ),
            )
            for line in series
        ),
    )
    axis = format_html_join(
        "",
        '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((point(index, 0)[0], TREND_HEIGHT - 8, label) for index, label in enumerate(labels)),
    )
    legend = format_html_join(
        "",
        '<g transform="translate({},12)"><rect class="chart-key {}" width="14" height="14">'
        '</rect><text class="chart-axis" x="20" y="12">{}</text></g>',
        (
            (TREND_PADDING + index * 150, line.css_class, line.name)
            for index, line in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
        '<line class="chart-baseline" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}{}{}</svg>',
        CHART_WIDTH,
        TREND_HEIGHT,
        title,
        title,
        TREND_PADDING,
        TREND_HEIGHT - TREND_PADDING,
        CHART_WIDTH - TREND_PADDING,
        TREND_HEIGHT - TREND_PADDING,
        legend,
        lines,
        axis,
    )


def _shorten(label: str, limit: int = 10) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
