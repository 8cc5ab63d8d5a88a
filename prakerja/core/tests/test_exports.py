import pytest

from prakerja.core.exports import export_cell, export_row


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
