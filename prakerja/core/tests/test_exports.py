import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from prakerja.core.exports import (
    Table,
    export_cell,
    export_response,
    export_row,
    tables_csv,
    tables_xlsx,
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.test","klik")', '\'=HYPERLINK("http://evil.test","klik")'),
        ("+62 812", "'+62 812"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Akun terkunci", "Akun terkunci"),
        ("", ""),
        (-3, -3),
        (4.5, 4.5),
        (None, None),
    ],
)
def test_formula_like_text_is_neutralised_and_numbers_pass(value, written):
    assert export_cell(value) == written


def test_export_row():
    assert export_row(["=1", 2, None]) == ["'=1", 2, None]


def _tables():
    return [
        Table("Per month", ["month", "=total"], [["2026-01", 5], ["@evil", None]]),
        Table("Per wave: [1]/2", ["wave", "total"], [[1, 7]]),
    ]


def test_csv_writes_each_table_under_its_title_neutralised():
    with translation.override("en"):
        rows = list(csv.reader(io.StringIO(tables_csv(_tables(), period="2026").decode())))
    assert rows == [
        ["Period", "2026"],
        [],
        ["Per month"],
        ["month", "'=total"],
        ["2026-01", "5"],
        ["'@evil", ""],
        [],
        ["Per wave: [1]/2"],
        ["wave", "total"],
        ["1", "7"],
    ]


def test_xlsx_writes_a_sheet_per_table_with_no_formula():
    book = load_workbook(io.BytesIO(tables_xlsx(_tables(), subtitle="2026")))
    assert book.sheetnames == ["Per month", "Per wave 12"]
    first = book["Per month"]
    assert [[c.value for c in row] for row in first.iter_rows()] == [
        ["Per month: 2026", None],
        ["month", "'=total"],
        ["2026-01", 5],
        ["'@evil", None],
    ]
    assert first["A2"].font.bold
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_export_response_names_the_download():
    response = export_response(fmt="xlsx", tables=_tables(), filename="budget-2026")
    assert response["Content-Disposition"] == 'attachment; filename="budget-2026.xlsx"'
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
