"""Exactly once on PostgreSQL: several processes closing the same month's statements at once
close each platform's once, and every redeemed voucher lands on exactly one line."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings

from prakerja.core import clock
from prakerja.core.tests.test_scheduler_processes import database_url
from prakerja.payouts.ledger import account_balances, ledger_sync, ledger_unbalanced
from prakerja.payouts.models import LedgerAccount, PlatformStatement, PlatformStatementLine
from prakerja.payouts.settlement import month_bounds, previous_month
from prakerja.training.models import PurchaseStatus
from prakerja.training.tests.factories import CourseFactory, PurchaseFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def close_process(month: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": database_url(),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "close_platform_statements", "--month", month],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_concurrent_closings_close_each_statement_once():
    month = previous_month(clock.now())
    since, _until = month_bounds(month)
    purchases = []
    for _platform in range(3):
        course = CourseFactory(price=250_000)
        for n in range(40):
            at = since + dt.timedelta(hours=n)
            purchases.append(
                PurchaseFactory(
                    course=course,
                    purchased_at=at,
                    status=PurchaseStatus.REDEEMED,
                    redeemed_at=at + dt.timedelta(minutes=5),
                ).pk
            )
    runs = [close_process(month.strftime("%Y-%m")) for _ in range(3)]
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    closed = [int(out.strip().splitlines()[-1].split()[1]) for out in outputs]
    assert sum(closed) == 3, outputs
    assert PlatformStatement.objects.filter(month=month).count() == 3
    lines = list(PlatformStatementLine.objects.values_list("purchase_id", flat=True))
    assert sorted(lines) == sorted(purchases)
    assert set(PlatformStatement.objects.values_list("redeemed_count", "amount")) == {
        (40, 40 * 250_000)
    }
    ledger_sync()
    assert ledger_unbalanced() == []
    balances = account_balances()
    assert balances[LedgerAccount.PLATFORMS_SETTLED] == 120 * 250_000
    assert balances[LedgerAccount.PLATFORMS_PAYABLE] == 0
