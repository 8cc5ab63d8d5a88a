"""One number and date format per language (config/formats), and ISO values in date inputs."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from prakerja.core.exports import export_row
from prakerja.core.formatting import Month, cell, month, number, percent, rupiah, rupiah_short
from prakerja.core.widgets import DateInput


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", ["1.177", "81,7", "250,0", "81,7%", "–", "1.234.567,9", "Mei 2025", "Jan 2025"]),
        ("en", ["1,177", "81.7", "250.0", "81.7%", "–", "1,234,567.9", "May 2025", "Jan 2025"]),
    ],
)
def test_numbers_and_months_in_the_active_language(language, expected):
    with translation.override(language):
        assert [
            number(1177),
            number(81.7),
            number(250.0),
            percent(81.7),
            number(None),
            number(Decimal("1234567.89")),
            month(dt.date(2025, 5, 1)),
            cell(Month(2025, 1, 1)),
        ] == expected


def test_rupiah_is_written_alike_in_both_languages():
    for language in ("id", "en"):
        with translation.override(language):
            assert rupiah(1_000_000) == "Rp\u00a01.000.000"
    assert rupiah(None) == ""
    with translation.override("en"):
        assert rupiah_short(1_500_000_000) == "Rp\u00a01.5\u00a0bn"
        assert rupiah_short(999) == "Rp\u00a0999"
        assert rupiah_short(10_000_000_000) == "Rp\u00a010\u00a0bn"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "3 Des 2026|3 Des 2026 14.05|Des 2026|14.05|3 Des 14.05|3 Des 2026 14.05.09"),
        ("en", "3 Dec 2026|3 Dec 2026 14:05|Dec 2026|14:05|3 Dec 14:05|3 Dec 2026 14:05:09"),
    ],
)
def test_one_date_format_per_language(language, expected):
    at = dt.datetime(2026, 12, 3, 14, 5, 9, tzinfo=dt.UTC) - dt.timedelta(hours=7)  # WIB
    template = Template(
        '{{ at|date }}|{{ at|date:"DATETIME_FORMAT" }}|{{ at|date:"YEAR_MONTH_FORMAT" }}|'
        '{{ at|time }}|{{ at|date:"SHORT_DATETIME_FORMAT" }}|{{ at|timestamp }}'
    )
    with translation.override(language):
        assert template.render(Context({"at": at})) == expected


def test_figures_on_pages_through_the_builtin_filters():
    template = Template("{{ n|number }} {{ r|percent }} {{ m|rupiah }} {{ c|cell }} {{ pk }}")
    with translation.override("id"):
        html = template.render(Context({"n": 3000, "r": 82.2, "m": 50000, "c": 2843, "pk": 1234}))
    # ids stay ungrouped (they land in URLs and attributes); figures are grouped on purpose
    assert html == "3.000 82,2% Rp\u00a050.000 2.843 1234"


def test_exports_write_months_and_numbers_for_machines():
    assert export_row([Month(2025, 1, 1), 1177, 81.7]) == ["2025-01", 1177, 81.7]


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())


@pytest.mark.parametrize("language", ["id", "en"])
def test_date_inputs_carry_iso_values_and_read_them_back(language):
    with translation.override(language):
        html = str(_Form(initial={"day": dt.date(2026, 1, 1)})["day"])
        assert 'type="date"' in html
        assert 'value="2026-01-01"' in html
        form = _Form({"day": "2026-01-31"})
        assert form.is_valid()
        assert form.cleaned_data["day"] == dt.date(2026, 1, 31)
