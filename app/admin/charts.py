"""Charts drawn on the server as SVG: no JavaScript library, no CDN.

Each chart is a <figure>: an SVG that scales to its container (viewBox, width 100%) with a
<title> and <desc> for screen readers, a legend in HTML (it wraps on narrow screens), and
the numbers in a table under <details>. A chart without data says so instead of drawing
an empty box. Texts come in translated; this module knows nothing of languages.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 82, 12, 14, 46
PALETTE = ("#06c755", "#2c6ecb", "#e8a33d", "#8e5bd6", "#d4493f", "#1f9aa8", "#7a7a7a")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Texts:
    title: str
    description: str
    x_axis: str
    y_axis: str
    empty: str
    table: str  # the <details> summary: "Show the numbers"
    date: str  # the table's first column header


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def steps(top: float) -> int:
    """Gridlines at whole numbers: 5 steps for 5, 10, 20, 50...; 2 for 2; 1 for 1."""
    return next(n for n in (5, 4, 2, 1) if (top / n) == int(top / n))


def _x_ticks(count: int, most: int = 8) -> list[int]:
    step = max(1, math.ceil(count / most))
    return list(range(count - 1, -1, -step))[::-1]


def _frame(chart_id: str, texts: Texts, top: float, labels: Sequence[str], fmt, band: float) -> list[str]:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = []
    count = steps(top)
    for i in range(count + 1):
        value = top * i / count
        y = TOP + plot_h - plot_h * i / count
        out.append(f'<line class="dash-grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="dash-tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>'
        )
    ticks = _x_ticks(len(labels))
    for n, i in enumerate(ticks):
        last = n == len(ticks) - 1 and len(labels) > 1  # today, kept inside the frame
        x = LEFT + band * (i + 1) if last else LEFT + band * (i + 0.5)
        minor = " dash-minor" if n % 2 != (len(ticks) - 1) % 2 else ""
        out.append(
            f'<text class="dash-tick{minor}" x="{x:.1f}" y="{H - BOTTOM + 16}" '
            f'text-anchor="{"end" if last else "middle"}">{escape(labels[i])}</text>'
        )
    out.append(f'<line class="dash-axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    out.append(
        f'<text class="dash-axis-label" x="{LEFT + plot_w / 2:.1f}" y="{H - 6}" text-anchor="middle">'
        f"{escape(texts.x_axis)}</text>"
    )
    out.append(
        f'<text class="dash-axis-label dash-y-label" x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">{escape(texts.y_axis)}</text>'
    )
    return out


def _svg(chart_id: str, texts: Texts, body: list[str]) -> str:
    return (
        f'<svg class="dash-svg" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'aria-label="{escape(texts.title)}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(texts.title)}</title>'
        f'<desc id="{chart_id}-d">{escape(texts.description)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[Series], kind: str) -> str:
    if len(series) < 2:
        return ""
    items = "".join(
        f'<li><span class="dash-swatch dash-swatch-{kind}" style="background:{PALETTE[i % len(PALETTE)]}" '
        f'aria-hidden="true"></span>{escape(s.name)}</li>'
        for i, s in enumerate(series)
    )
    return f'<ul class="dash-legend">{items}</ul>'


def _table(texts: Texts, labels: Sequence[str], series: Sequence[Series], fmt) -> str:
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{escape(fmt(s.values[i]))}</td>" for s in series)
        + "</tr>"
        for i, label in enumerate(labels)
    )
    return (
        f'<details class="dash-numbers"><summary>{escape(texts.table)}</summary><div class="table-wrap">'
        f'<table><thead><tr><th scope="col">{escape(texts.date)}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )


def _figure(texts: Texts, labels, series, fmt, draw: Callable[[str], list[str]], kind: str) -> Markup:
    chart_id = f"dash-chart-{next(_ids)}"
    title = f'<figcaption class="dash-chart-title">{escape(texts.title)}</figcaption>'
    if not any(v for s in series for v in s.values):
        return Markup(
            f'<figure class="dash-chart dash-chart-empty">{title}'
            f'<p class="dash-empty" role="note">{escape(texts.empty)}</p></figure>'
        )
    return Markup(
        f'<figure class="dash-chart">{title}{_svg(chart_id, texts, draw(chart_id))}'
        f"{_legend(series, kind)}{_table(texts, labels, series, fmt)}</figure>"
    )


def stacked_bars(
    texts: Texts, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str] = lambda v: f"{v:,.0f}"
) -> Markup:
    """One bar per day, each series stacked on the one before (a single series: plain bars)."""

    def draw(chart_id: str) -> list[str]:
        totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
        top = nice_max(max(totals))
        plot_h, band = H - TOP - BOTTOM, (W - LEFT - RIGHT) / len(labels)
        out = _frame(chart_id, texts, top, labels, fmt, band)
        base = [0.0] * len(labels)
        for n, s in enumerate(series):
            bars = []
            for i, value in enumerate(s.values):
                if not value:
                    continue
                h = plot_h * value / top
                y = TOP + plot_h - plot_h * base[i] / top - h
                bars.append(
                    f'<rect x="{LEFT + band * i + band * 0.15:.1f}" y="{y:.1f}" width="{band * 0.7:.1f}" '
                    f'height="{h:.1f}"><title>{escape(labels[i])} {escape(s.name)}: '
                    f"{escape(fmt(value))}</title></rect>"
                )
                base[i] += value
            out.append(
                f'<g class="dash-series" fill="{PALETTE[n % len(PALETTE)]}" aria-label="{escape(s.name)}">'
                + "".join(bars)
                + "</g>"
            )
        return out

    return _figure(texts, labels, series, fmt, draw, "bar")


def lines(
    texts: Texts, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str] = lambda v: f"{v:,.0f}"
) -> Markup:
    """One line per series over the days (points marked when there are few)."""

    def draw(chart_id: str) -> list[str]:
        top = nice_max(max(v for s in series for v in s.values))
        plot_h, band = H - TOP - BOTTOM, (W - LEFT - RIGHT) / len(labels)
        out = _frame(chart_id, texts, top, labels, fmt, band)
        for n, s in enumerate(series):
            color = PALETTE[n % len(PALETTE)]
            points = [(LEFT + band * (i + 0.5), TOP + plot_h - plot_h * v / top) for i, v in enumerate(s.values)]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dots = (
                "".join(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(labels[i])} {escape(s.name)}: '
                    f"{escape(fmt(s.values[i]))}</title></circle>"
                    for i, (x, y) in enumerate(points)
                )
                if len(points) <= 31
                else ""
            )
            out.append(
                f'<g class="dash-series" aria-label="{escape(s.name)}" fill="{color}">'
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5" '
                f'stroke-linejoin="round"/>{dots}</g>'
            )
        return out

    return _figure(texts, labels, series, fmt, draw, "line")
