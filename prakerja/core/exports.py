"""Cells for spreadsheet exports (CSV, XLSX): text a spreadsheet would run as a formula.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some spreadsheets
skip before reading one of those) is a formula to Excel, LibreOffice and Google Sheets: a category
or agent name like `=HYPERLINK(...)` would run on the reader's machine. Such text is written with a
leading apostrophe (OWASP's advice), which spreadsheets show as plain text. Numbers pass unchanged.
"""

from collections.abc import Iterable

from prakerja.core.formatting import Month

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
