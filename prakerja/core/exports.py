"""Spreadsheet exports (CSV, XLSX) of tables, with text a spreadsheet would run as a formula
neutralised.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some spreadsheets
skip before reading one of those) is a formula to Excel, LibreOffice and Google Sheets: a category
or agent name like `=HYPERLINK(...)` would run on the reader's machine. Such text is written with a
leading apostrophe (OWASP's advice), which spreadsheets show as plain text. Numbers pass unchanged.
Both formats go through `export_row`, so a table is safe whichever the reader downloads.
"""

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from typing import Protocol

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from prakerja.core.formatting import Month

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Characters a sheet's name may not hold (Excel's rule; openpyxl refuses them).
SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


class ExportTable(Protocol):
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]


@dataclasses.dataclass
class Table:
    """A table to export, for callers without one of their own shape."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]


def export_cell(value):
    """The value as an export writes it: None stays None, formula-like text is neutralised, a
    month is `2025-01` (text a program reads, where a page writes "Jan 2025")."""
    if isinstance(value, Month):
        return str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_row(values: Iterable) -> list:
    return [export_cell(value) for value in values]


def tables_csv(tables: Sequence[ExportTable], *, period: str = "") -> bytes:
    """The tables one after the other, each as its title, its headers and its rows, separated by
    an empty row; the period (if any) is the first row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if period:
        writer.writerow(export_row([_("Period"), period]))
    for index, table in enumerate(tables):
        if index or period:
            writer.writerow([])
        writer.writerow(export_row([table.title]))
        writer.writerow(export_row(table.headers))
        writer.writerows(export_row("" if v is None else v for v in row) for row in table.rows)
    return buffer.getvalue().encode()


def tables_xlsx(tables: Sequence[ExportTable], *, subtitle: str = "") -> bytes:
    """A workbook with a sheet per table: its title (and `subtitle`), bold headers, the rows."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.title.translate(SHEET_NAME_FORBIDDEN)[:31])
        sheet.append(export_row([f"{table.title}: {subtitle}" if subtitle else table.title]))
        sheet.append(export_row(table.headers))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(export_row(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_response(
    *, fmt: str, tables: Sequence[ExportTable], filename: str, period: str = ""
) -> HttpResponse:
    """The tables as a download: `fmt` "csv" or "xlsx" (anything else is the caller's 4xx);
    `filename` without its extension; `period` heads the CSV and each sheet."""
    if fmt == "csv":
        content = tables_csv(tables, period=period)
    else:
        content = tables_xlsx(tables, subtitle=period)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
