"""The charts' geometry (labels inside the chart and apart, bars inside it, drawn 1:1 in CSS px)
and their numbers in the active language."""

import datetime as dt
import xml.etree.ElementTree as ET
from functools import partial

import pytest
from django.utils import translation

from prakerja.core import charts
from prakerja.core.formatting import number, percent, rupiah_short

NS = "{http://www.w3.org/2000/svg}"

LONG_LABELS = [
    "Penautan akun e-wallet/bank dan pencairan insentif",
    "Akun dan masuk",
    "Sertifikat",
    "Memilih pelatihan yang cocok untuk pekerjaan baru",
    "Lainnya",
]


def parse(svg: str):
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return root, [float(v) for v in root.get("viewBox").split()]


def text_boxes(root) -> list[tuple[str, tuple]]:
    boxes = []
    for el in root.iter(f"{NS}text"):
        title = el.find(f"{NS}title")
        content = (title.tail if title is not None else el.text) or ""
        x, y = float(el.get("x")), float(el.get("y"))
        bold = el.get("font-weight") == "700"
        boxes.append((content, charts.text_box(x, y, content, el.get("text-anchor"), bold=bold)))
    return boxes


def rect_boxes(root) -> list[tuple]:
    return [
        (
            float(r.get("x")),
            float(r.get("y")),
            float(r.get("x")) + float(r.get("width")),
            float(r.get("y")) + float(r.get("height")),
        )
        for r in root.iter(f"{NS}rect")
    ]


def overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def assert_readable(svg: str, *, bars_apart_from_text: bool = True):
    """Everything inside the viewBox, no two labels overlapping, no label on a bar, and the chart
    drawn at its own size (width and height equal the viewBox: it never scales up)."""
    root, (_x, _y, width, height) = parse(svg)
    assert (float(root.get("width")), float(root.get("height"))) == (width, height)
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.find(f"{NS}title").text == root.get("aria-label")
    texts = text_boxes(root)
    for content, box in texts:
        assert box[0] >= -0.5, content
        assert box[2] <= width + 0.5, content
        assert box[1] >= -0.5, content
        assert box[3] <= height + 0.5, content
    for i, (a, box_a) in enumerate(texts):
        for b, box_b in texts[i + 1 :]:
            assert not overlap(box_a, box_b), f"{a!r} overlaps {b!r}"
    for box in rect_boxes(root):
        assert min(box[0], box[1]) >= 0, box
        assert box[2] <= width + 0.01, box
        assert box[3] <= height + 0.01, box
        if bars_apart_from_text:
            for content, text in texts:
                assert not overlap(box, text), f"{content!r} lies on a bar"
    return root, texts


def test_bar_chart_wraps_long_labels_and_keeps_them_apart():
    svg = charts.bar_chart(
        LONG_LABELS, [charts.Series("Reports", [463, 407, 392, 1177, None])], title="By category"
    )
    root, texts = assert_readable(svg)
    contents = [t for t, _box in texts]
    assert "Penautan akun" in contents  # wrapped over two lines, the rest shortened
    assert "e-wallet/bank dan pe…" in contents
    assert "–" in contents  # no data is drawn as a dash, not as a zero bar
    # every bar carries its full label and value as a tooltip
    titles = [r.find(f"{NS}title").text for r in root.iter(f"{NS}rect")]
    assert "Memilih pelatihan yang cocok untuk pekerjaan baru: 1.177" in titles
    assert len(titles) == 4


def test_bar_chart_grouped_series_with_a_legend_in_rupiah():
    svg = charts.bar_chart(
        ["Wave 22", "Wave 23", "Program"],
        [
            charts.Series("Committed", [25_700_000_000, 51_300_000_000, 3_000_000]),
            charts.Series("Spent", [32_500_000_000, 0, None]),
        ],
        title="Per wave",
        fmt=rupiah_short,
    )
    root, texts = assert_readable(svg)
    contents = [t for t, _box in texts]
    assert {"Committed", "Spent"} <= set(contents)  # the legend
    assert "Rp\u00a025,7\u00a0M" in contents  # miliar, the Indonesian short unit
    fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
    assert fills == set(charts.PALETTE[:2])


def test_bar_chart_longest_bar_spans_the_plot_and_ticks_are_round():
    svg = charts.bar_chart(["a", "b"], [charts.Series("n", [859, 553])], title="t")
    root, texts = assert_readable(svg)
    ticks = [t for t, _box in texts if t not in {"a", "b", "859", "553"}]
    assert ticks == ["0", "200", "400", "600", "800"]
    widths = [float(r.get("width")) for r in root.iter(f"{NS}rect")]
    right = max(box[2] for t, box in texts if t == "859")
    assert right <= charts.WIDTH
    assert widths[1] / widths[0] == pytest.approx(553 / 859, rel=1e-3)


@pytest.mark.parametrize("months", [1, 6, 12, 24, 60])
def test_line_chart_over_months_thins_its_labels(months):
    axis = charts.month_axis([dt.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(months)])
    svg = charts.line_chart(
        axis,
        [
            charts.Series("Spent", [1000 * m for m in range(months)]),
            charts.Series("Paid", [None if m == 2 else 700 * m for m in range(months)]),
        ],
        title="Per month",
    )
    root, texts = assert_readable(svg)
    assert len(list(root.iter(f"{NS}circle"))) == 2 * months - (1 if months > 2 else 0)
    assert "2024" in [t for t, _box in texts]


def test_line_chart_over_a_days_hours():
    times = [dt.time(h) for h in range(24)]
    svg = charts.line_chart(
        charts.time_axis(times), [charts.Series("Agents", list(range(24)))], title="t"
    )
    _root, texts = assert_readable(svg)
    assert "08.00" in [t for t, _box in texts]  # Indonesian time


def test_heatmap_labels_fit_beside_its_cells():
    matrix = [[(d * 24 + h) % 17 for h in range(24)] for d in range(7)]
    svg = charts.heatmap(
        matrix, row_labels=["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"], title="t"
    )
    root, _texts = assert_readable(svg)
    assert len(list(root.iter(f"{NS}rect"))) == 7 * 24


def test_empty_chart_still_draws():
    assert_readable(charts.bar_chart(["a"], [charts.Series("n", [0])], title="t"))
    assert_readable(charts.line_chart([], [charts.Series("n", [])], title="t"))


def test_titles_and_labels_are_escaped():
    svg = charts.bar_chart(["<b>&"], [charts.Series("n", [1])], title='"x" <script>')
    assert "<script>" not in svg
    assert "<b>" not in svg
    parse(svg)


@pytest.mark.parametrize(
    ("language", "count", "rate"), [("id", "1.177", "81,7%"), ("en", "1,177", "81.7%")]
)
def test_chart_numbers_in_the_active_language(language, count, rate):
    with translation.override(language):
        counts = charts.bar_chart(["a"], [charts.Series("n", [1177])], title="t")
        rates = charts.bar_chart(["a"], [charts.Series("n", [81.7])], title="t", fmt=percent)
    assert f">{count}</text>" in counts
    assert f">{rate}</text>" in rates


def test_a_fixed_number_of_decimals_when_asked():
    svg = charts.bar_chart(
        ["a"], [charts.Series("n", [11.0])], title="t", fmt=partial(number, decimals=0)
    )
    assert ">11</text>" in svg


def test_nice_ticks():
    assert charts.nice_ticks(859, 4) == [0, 250, 500, 750, 1000]
    assert charts.nice_ticks(84.5, 4) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(3, 5) == [0, 1, 2, 3]
    assert charts.nice_ticks(0, 4) == [0, 1]
    assert charts.nice_ticks(0.8, 4) == [0, 0.2, 0.4, 0.6, 0.8]
