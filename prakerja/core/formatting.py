"""Numbers, money and months as pages show them, in the active language through Django's
localisation and the formats in `config/formats`: "1.177", "81,7%" and "Jan 2025" in Indonesian,
"1,177", "81.7%" and "Jan 2025" in English; "Rp 1.000.000" in both. Exports (CSV, XLSX, the API)
write the raw values instead, so spreadsheets and programs read them as numbers."""

import datetime as dt
from decimal import Decimal

from django.utils import formats
from django.utils.translation import pgettext_lazy

NO_VALUE = "–"


def number(value, decimals: int | None = None) -> str:
    """A figure with thousands grouped: integers as they are, floats and decimals (rates,
    averages) to one decimal unless `decimals` says; None (no data) as a dash."""
    if value is None or isinstance(value, bool):
        return NO_VALUE if value is None else str(value)
    if decimals is None:
        decimals = 0 if isinstance(value, int) else 1
    # Rounded first: Django's number_format cuts the digits past `decimals` off.
    return formats.number_format(
        round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True
    )


def percent(value, decimals: int | None = None) -> str:
    """A percentage as `number` writes it, without a space: "81,7%" (rates are rounded to one
    decimal), "50%" (a whole tick on a chart's axis)."""
    return NO_VALUE if value is None else f"{number(value, decimals)}%"


def rupiah(value) -> str:
    """Whole rupiah as the program writes them in either language: `Rp 1.000.000`, with a
    no-break space so the amount never wraps away from its currency; "" when not a number."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return "Rp\u00a0" + f"{amount:,}".replace(",", ".")


SHORT_AMOUNTS = (
    (10**12, pgettext_lazy("short rupiah amount", "Rp %(amount)s tn")),
    (10**9, pgettext_lazy("short rupiah amount", "Rp %(amount)s bn")),
    (10**6, pgettext_lazy("short rupiah amount", "Rp %(amount)s m")),
    (10**3, pgettext_lazy("short rupiah amount", "Rp %(amount)s k")),
)


def rupiah_short(value) -> str:
    """Rupiah rounded to a unit for chart labels, "Rp 1,5 bn" (the table beside has them whole)."""
    for size, pattern in SHORT_AMOUNTS:
        if abs(value) >= size:
            amount = round(value / size, 1)
            amount = int(amount) if amount.is_integer() else amount  # "Rp 10 bn", not "10,0"
            return (pattern % {"amount": number(amount)}).replace(" ", "\u00a0")
    return rupiah(value)


def timestamp(value: dt.datetime) -> str:
    """A moment to the second, for logs and schedules: "3 Des 2026 14.05.09" (the site's
    `DATETIME_FORMAT` with the seconds added in its own time spelling)."""
    if not value:
        return ""
    pattern = formats.get_format("DATETIME_FORMAT")
    return formats.date_format(value, pattern.replace("H.i", "H.i.s").replace("H:i", "H:i:s"))


def month(value: dt.date) -> str:
    """A calendar month, "Jan 2025"."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


class Month(dt.date):
    """The first day of a month that exports write as `2025-01` and pages as "Jan 2025"."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m")

    @classmethod
    def parse(cls, text: str) -> "Month":
        year, month_number = text.split("-")
        return cls(int(year), int(month_number), 1)


def cell(value) -> str:
    """A table cell on a page: numbers grouped, months and dates in the site's format."""
    if isinstance(value, Month):
        return month(value)
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return number(value)
    return NO_VALUE if value is None else str(value)
