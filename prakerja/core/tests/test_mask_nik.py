import pytest

from prakerja.core.logging import mask_nik


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("nik=3201234567890001 ok", "nik=320123******0001 ok"),
        ("NIK 3201 2345 6789 0123", "NIK 3201 23** **** 0123"),
        ("NIK: 3201-2345-6789-0123.", "NIK: 3201-23**-****-0123."),
        ("3201.2345.6789.0123", "3201.23**.****.0123"),
        ("320123 456789 0123", "320123 ****** 0123"),
        ("KK ３２０１２３４５６７８９０１２３", "KK ３２０１２３******０１２３"),
    ],
)
def test_every_typed_form_of_a_nik_is_masked(text, masked):
    assert mask_nik(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "phone 081234567890",
        "0812-3456-7890",
        "ref PKJ-2026-000123",
        "Rp 1.500.000 on 2026-03-10",
        "12345678901234567",  # 17 digits: not a NIK
    ],
)
def test_other_numbers_stay(text):
    assert mask_nik(text) == text
