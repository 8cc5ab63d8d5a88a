import pytest

from prakerja.payouts.partners import FakePartner


@pytest.fixture(autouse=True)
def _fake_partner_forgets():
    """The fake partner remembers keys in process memory; row ids repeat between tests."""
    FakePartner._memory.clear()
    yield
    FakePartner._memory.clear()
