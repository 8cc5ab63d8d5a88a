"""Server-rendered SVG charts (no script, no CDN). Every chart is paired with a table of its numbers
on the page; the SVG carries role="img" and a title for screen readers."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b4f8a", "#f2a900", "#1a7f37", "#b42318", "#6f42c1", "#56606b", "#0e7490"]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    items: list[tuple[str, float | None]], *, title: str, height: int = 220, unit: str = ""
) -> SafeString:
    """Vertical bars, one per (label, value); None values are drawn as "no data"."""
    width = max(320, 48 * len(items) + 40)
    top, bottom, left = 24, 40, 8
    plot_h = height - top - bottom
    peak = max([v for _, v in items if v is not None] + [0]) or 1
    slot = (width - left * 2) / max(len(items), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="#8a949e"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        cx = x + w / 2
        if value is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h - 4}" font-size="10" text-anchor="middle" '
                f'fill="#56606b">–</text>'
            )
        else:
            h = plot_h * (value / peak)
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[0]}"><title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h - h - 4:.1f}" font-size="10" '
                f'text-anchor="middle">{_fmt(value)}{escape(unit)}</text>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and number is escaped above


def heatmap(
    matrix: list[list[int]], *, row_labels: list[str], title: str, cell: int = 22
) -> SafeString:
    """Rows (days of week) x 24 hour columns, darker = more tickets."""
    left, top = 44, 18
    width, height = left + cell * 24 + 4, top + cell * len(matrix) + 4
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = [
        f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for hour in range(0, 24, 3):
        parts.append(
            f'<text x="{left + hour * cell + cell / 2}" y="12" font-size="10" '
            f'text-anchor="middle">{hour:02d}</text>'
        )
    for r, row in enumerate(matrix):
        y = top + r * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell * 0.7}" font-size="10" text-anchor="end">'
            f"{escape(row_labels[r])}</text>"
        )
        for hour, value in enumerate(row):
            alpha = 0.06 + 0.94 * (value / peak) if value else 0
            parts.append(
                f'<rect x="{left + hour * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{PALETTE[0]}" fill-opacity="{alpha:.2f}" stroke="#dde3e9">'
                f"<title>{escape(row_labels[r])} {hour:02d}:00: {value:,}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped, values are numbers
