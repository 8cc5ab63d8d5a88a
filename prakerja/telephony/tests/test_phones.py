import pytest

from prakerja.telephony.services.events import _outside_party


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "(0812) 3456-7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "6281234567890",
        "62 812 3456 7890",
        "006281234567890",
    ],
)
def test_caller_numbers_in_every_local_format_become_e164(raw):
    assert _outside_party("in", raw, "08001503001") == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "anonymous", "201", "abc", "0812"])
def test_hidden_or_internal_numbers_are_kept_blank(raw):
    assert _outside_party("in", raw, "08001503001") == ""


def test_outgoing_calls_take_the_dialled_party():
    assert _outside_party("out", "201", "0812-3456-7890") == "+6281234567890"
