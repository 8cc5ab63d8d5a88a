"""Charts drawn on the server as SVG (ADR 0043): no script and no download, the same markup
in a page, an e-mail or a PDF, under the strict content security policy.

Every chart is laid out here for a fixed width in CSS pixels and carries that width and height on
its `<svg>`; CSS lets it shrink on a narrow screen but never grow, so a 12 px label stays 12 px on a
wall screen. Text widths are estimated from a per-character table that errs wide (the widest common
UI font, DejaVu Sans), so labels are wrapped, thinned or shortened before they could overlap;
`text_box` gives tests the same estimate. Numbers arrive already formatted by the caller (through
`core.formatting`, in the active language). Each chart is paired with a table of its numbers on the
page; the `<svg>` has role="img" and an aria-label, and each bar, point and cell a `<title>`, which
browsers show as a tooltip.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from prakerja.core.formatting import number

WIDTH = 360  # fits a 412 px phone beside the page margins; two charts sit side by side on a desk
FONT = 12
LINE = 15  # line height of 12 px text
INK = "#1b1f24"
MUTED = "#56606b"
GRID = "#d5dbe1"
# Blue and dark orange first: told apart with every kind of colour blindness, and each at least
# 4.5:1 against white, so a bar or line reads without its neighbour (WCAG 1.4.11 asks 3:1).
PALETTE = ("#0b4f8a", "#c2410c", "#0f766e", "#6d28d9")
DASHES = ("", "6 3", "2 3", "8 3 2 3")

Format = Callable[[float], str]

_NARROW = set("ijl.,:;|!'`")
_SEMI = set("fIrt()[]{}-/ ")
_WIDE = set("mwMW%@")


def text_width(text: str, size: int = FONT, *, bold: bool = False) -> float:
    """The width of `text` in px, estimated on the wide side."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.34
        elif ch in _SEMI:
            em += 0.44
        elif ch in _WIDE:
            em += 0.98
        elif ch.isdigit():
            em += 0.64
        elif ch.isupper():
            em += 0.74
        else:
            em += 0.62
    return em * size * (1.1 if bold else 1.0)


def text_box(x: float, y: float, text: str, anchor: str = "start", size: int = FONT, bold=False):
    """(left, top, right, bottom) of a one-line text drawn at baseline `y`."""
    width = text_width(text, size, bold=bold)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (left, y - size * 0.8, left + width, y + size * 0.25)


def _shorten(text: str, width: float) -> str:
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, max_lines: int = 2) -> list[str]:
    """`text` broken at spaces into lines of at most `width` px; what does not fit in `max_lines`
    ends in an ellipsis (the full text stays in the mark's title and the table)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_shorten(line, width) for line in lines] or [""]


def nice_ticks(peak: float, count: int) -> list:
    """0 and up to `count` round steps (1, 2, 2.5 or 5 times a power of ten) reaching `peak`."""
    if peak <= 0:
        return [0, 1]
    raw = peak / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1 and float(peak).is_integer() and peak >= 1:
        step = 1
    ticks: list[float] = [0]
    while ticks[-1] < peak - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    # Whole steps as integers, so they are written "250", not "250,0".
    return [int(t) for t in ticks] if float(step).is_integer() else ticks


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


class _Svg:
    def __init__(self, title: str, css_class: str):
        self.title, self.css_class, self.parts = title, css_class, []

    def text(self, x, y, content, *, anchor="start", fill=INK, bold=False, title=""):
        weight = ' font-weight="700"' if bold else ""
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" '
            f'fill="{fill}"{weight}>{tip}{escape(content)}</text>'
        )

    def line(self, x1, y1, x2, y2, stroke=GRID):
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'
        )

    def rect(self, x, y, w, h, fill, title, extra=""):
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{extra}>'
            f"<title>{escape(title)}</title></rect>"
        )

    def render(self, width: float, height: float) -> SafeString:
        label = escape(self.title)
        head = (
            f'<svg class="chart {self.css_class}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{label}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
            f"<title>{label}</title>"
        )
        # Every text and title went through escape() above; numbers are formatted floats.
        return mark_safe(head + "".join(self.parts) + "</svg>")  # noqa: S308


def _legend(svg: _Svg, series: Sequence[Series], width: float, y: float, kind: str) -> float:
    """Swatches with the series' names, wrapped over lines; returns the y below it."""
    if len(series) < 2:
        return y
    x, y = 0.0, y + FONT
    for i, s in enumerate(series):
        name = _shorten(s.name, width - 22)
        need = 18 + text_width(name) + 14
        if x and x + need > width:
            x, y = 0.0, y + LINE + 2
        if kind == "line":
            dash = f' stroke-dasharray="{DASHES[i]}"' if DASHES[i] else ""
            svg.parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 14:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{PALETTE[i]}" stroke-width="2.5"{dash}/>'
            )
        else:
            svg.rect(x, y - 10, 12, 12, PALETTE[i], s.name)
        svg.text(x + 18, y, name)
        x += need
    return y + 10


def _ticks_along(svg: _Svg, ticks, x0: float, scale: float, y: float, fmt: Format, width):
    """Round values under a horizontal axis; the last one kept inside the chart."""
    for t in ticks:
        x = x0 + t * scale
        label = fmt(t)
        anchor = "start" if not t else "middle"
        if x + text_width(label) / 2 > width:
            anchor = "end"
        svg.text(x, y, label, anchor=anchor, fill=MUTED)


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    fmt: Format = number,
    width: int = WIDTH,
) -> SafeString:
    """Horizontal bars: one row per label (wrapped over two lines in up to 40% of the width), one
    bar per series in it (grouped, with a legend when there are several), its value at its end and
    round ticks along the bottom. Horizontal because labels of any length then fit a phone."""
    svg = _Svg(title, "bar-chart")
    values = [v for s in series for v in s.values if v is not None]
    peak = max([*values, 0])
    value_w = max([text_width(fmt(v), bold=True) for v in values] + [text_width("–")])
    wrapped = [wrap(label, width * 0.4) for label in labels]
    label_w = max([text_width(line) for lines in wrapped for line in lines] + [0])
    x0, x1 = label_w + 8, width - value_w - 6
    top = _legend(svg, series, width, 0, "bar") + 4
    bar_h = 18 if len(series) == 1 else 13
    group_h = len(series) * bar_h + (len(series) - 1) * 2
    rows_h = [max(group_h, len(lines) * LINE) + 10 for lines in wrapped]
    bottom = top + sum(rows_h)
    tick_w = max(text_width(fmt(t)) for t in nice_ticks(peak, 4))
    ticks = nice_ticks(peak, max(1, min(5, int((x1 - x0) / (tick_w + 12)))))
    # The longest bar spans the plot (the ticks past it would only shorten every bar).
    ticks = [t for t in ticks if t <= peak] if peak else ticks
    scale = (x1 - x0) / max(peak, ticks[-1])
    for t in ticks:
        svg.line(x0 + t * scale, top, x0 + t * scale, bottom, stroke=GRID if t else MUTED)
    _ticks_along(svg, ticks, x0, scale, bottom + 14, fmt, width)
    y = top
    for row, (label, lines) in enumerate(zip(labels, wrapped, strict=True)):
        text_y = y + rows_h[row] / 2 - (len(lines) - 1) * LINE / 2 + 4
        for n, line in enumerate(lines):
            svg.text(label_w, text_y + n * LINE, line, anchor="end", title=label)
        by = y + (rows_h[row] - group_h) / 2
        for i, s in enumerate(series):
            value = s.values[row]
            name = f"{label} · {s.name}" if len(series) > 1 else label
            if value is None:
                svg.text(x0 + 4, by + bar_h - 3.5, "–", fill=MUTED, title=f"{name}: –")
            else:
                w = max(value, 0) * scale
                svg.rect(x0, by, w, bar_h, PALETTE[i], f"{name}: {fmt(value)}")
                svg.text(x0 + w + 4, by + bar_h - 3.5, fmt(value), bold=True)
            by += bar_h + 2
        y += rows_h[row]
    return svg.render(width, bottom + 20)


def month_axis(months: Sequence[dt.date]) -> list[tuple[str, str]]:
    """x labels of a line over months: "Jan" with its year under it ("Jan 2025" read together)."""
    return [(formats.date_format(m, "M"), formats.date_format(m, "Y")) for m in months]


def time_axis(times: Sequence[dt.time | dt.datetime]) -> list[tuple[str, str]]:
    """x labels of a line over a day's intervals, in the site's time format ("08.00")."""
    return [(formats.time_format(t), "") for t in times]


def line_chart(
    x_labels: Sequence[tuple[str, str]],
    series: Sequence[Series],
    *,
    title: str,
    fmt: Format = number,
    width: int = WIDTH,
    height: int = 200,
) -> SafeString:
    """Lines over evenly spaced points (months, hours). Each x label has two lines (e.g. "Jan" and
    "2025"); the second is written only where it changes, and labels are thinned to every n-th
    point when they would touch. Series differ in colour and dash; None leaves a gap."""
    svg = _Svg(title, "line-chart")
    values = [v for s in series for v in s.values if v is not None]
    top = _legend(svg, series, width, 0, "line") + 10
    plot_h = height - 2 * LINE - 8
    ticks = nice_ticks(max([*values, 0]), max(2, min(5, int(plot_h / (LINE * 2)))))
    x0 = max(text_width(fmt(t)) for t in ticks) + 8
    x1 = width - 8
    points = len(x_labels)
    slot = (x1 - x0) / max(points, 1)
    label_w = max([text_width(part) for pair in x_labels for part in pair] + [1])
    every = max(1, math.ceil((label_w + 12) / slot))
    scale = plot_h / ticks[-1]
    bottom = top + plot_h
    for t in ticks:
        y = bottom - t * scale
        svg.line(x0, y, x1, y, stroke=GRID if t else MUTED)
        svg.text(x0 - 6, y + 4, fmt(t), anchor="end", fill=MUTED)
    last_second = None
    for i, (first, second) in enumerate(x_labels):
        if i % every:
            continue
        cx = x0 + slot * (i + 0.5)
        # Low enough to clear the "0" of the y axis when the first label reaches under it.
        svg.text(cx, bottom + 18, first, anchor="middle", fill=MUTED)
        if second != last_second:
            svg.text(cx, bottom + 18 + LINE, second, anchor="middle", fill=MUTED)
            last_second = second
    for n, s in enumerate(series):
        colour, dash = PALETTE[n], DASHES[n]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x0 + slot * (i + 0.5):.1f},{bottom - value * scale:.1f}")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in runs:
            if len(run) > 1:
                svg.parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
        for i, value in enumerate(s.values):
            if value is None:
                continue
            name = " ".join(part for part in x_labels[i] if part)
            if len(series) > 1:
                name = f"{name} · {s.name}"
            svg.parts.append(
                f'<circle cx="{x0 + slot * (i + 0.5):.1f}" cy="{bottom - value * scale:.1f}" '
                f'r="{3.5 if points <= 13 else 2.5}" fill="{colour}">'
                f"<title>{escape(name)}: {escape(fmt(value))}</title></circle>"
            )
    return svg.render(width, bottom + 2 * LINE + 12)


def heatmap(
    matrix: Sequence[Sequence[int]],
    *,
    row_labels: Sequence[str],
    title: str,
    fmt: Format = number,
    width: int = WIDTH,
) -> SafeString:
    """Rows (days of the week) by 24 hour columns, darker = more; hours marked every three.
    Cells are taller than wide, so a row label fits beside its row at 12 px."""
    svg = _Svg(title, "heatmap")
    left = max(text_width(label) for label in row_labels) + 8
    cell, row_h = (width - left) / 24, 20
    top = LINE + 4
    peak = max((v for row in matrix for v in row), default=0) or 1
    for hour in range(0, 24, 3):
        svg.text(left + hour * cell + cell / 2, FONT, f"{hour:02d}", anchor="middle", fill=MUTED)
    for r, row in enumerate(matrix):
        y = top + r * row_h
        svg.text(left - 6, y + row_h / 2 + 4, row_labels[r], anchor="end")
        for hour, value in enumerate(row):
            alpha = 0.08 + 0.92 * (value / peak) if value else 0
            svg.rect(
                left + hour * cell,
                y,
                cell - 1.5,
                row_h - 1.5,
                PALETTE[0],
                f"{row_labels[r]} {formats.time_format(dt.time(hour))}: {fmt(value)}",
                extra=f' fill-opacity="{alpha:.2f}" stroke="{GRID}" stroke-width="0.5"',
            )
    return svg.render(width, top + row_h * len(matrix) + 2)
