"""Exactly once on PostgreSQL: concurrent disbursement runs (threads and real processes) and a run
killed in the middle of a batch, then run again. The fake partner's ledger file is what the
partner paid: one line per transfer it carried out, surviving the killed process."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import close_old_connections

from prakerja.core import clock
from prakerja.core.tests.test_scheduler_processes import database_url
from prakerja.payouts.incentives import batch_claim, incentives_disburse
from prakerja.payouts.ledger import account_balances, ledger_sync, ledger_unbalanced
from prakerja.payouts.models import DisbursementBatch, IncentivePayment, PaymentKind
from prakerja.training.tests.factories import CardFactory

from .factories import LinkedAccountFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def due_payments(participants: int, each: int) -> list[int]:
    """`participants` x `each` payments due today, each participant with an active account."""
    now = clock.now()
    payments = []
    for _ in range(participants):
        card = CardFactory()
        LinkedAccountFactory(user=card.participant)
        payments += [
            IncentivePayment(
                participant=card.participant,
                card=card,
                kind=PaymentKind.INCENTIVE,
                number=n,
                amount=600_000,
                due_on=now.date(),
                scheduled_at=now,
            )
            for n in range(1, each + 1)
        ]
    return [p.pk for p in IncentivePayment.objects.bulk_create(payments)]


def ledger_lines(path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [
        (key, int(payment))
        for key, payment, _status, _code in (
            line.split("\t") for line in path.read_text().splitlines()
        )
    ]


def assert_paid_exactly_once(ids: list[int], ledger) -> None:
    lines = ledger_lines(ledger)
    assert len(lines) == len(ids), "a transfer carried out twice or never"
    assert Counter(payment for _key, payment in lines) == Counter(ids)
    assert set(IncentivePayment.objects.values_list("status", flat=True)) == {"paid"}


def test_two_concurrent_runs_pay_each_payment_once(tmp_path, settings):
    settings.PAYOUTS_FAKE_LEDGER = str(tmp_path / "partner.tsv")
    settings.PAYOUTS_FAKE_DELAY = 0.005  # a send takes long enough for the other run to claim
    ids = due_payments(3, 40)
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = incentives_disburse(size=10)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.sent for r in results) == len(ids)
    assert all(r.sent for r in results), "both runs took part"
    assert_paid_exactly_once(ids, tmp_path / "partner.tsv")
    assert set(DisbursementBatch.objects.values_list("status", flat=True)) == {"sent"}


def disburse_process(ledger, *, delay: float = 0.0, batch_size: int = 10) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_URL": database_url(),
        "PAYOUTS_FAKE_LEDGER": str(ledger),
        "PAYOUTS_FAKE_DELAY": str(delay),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "disburse_incentives", "--batch-size", str(batch_size)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_processes_at_once_pay_each_payment_once(tmp_path):
    ledger = tmp_path / "partner.tsv"
    ids = due_payments(3, 40)
    runs = [disburse_process(ledger, delay=0.005) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = [int(out.strip().splitlines()[-1].split()[1].rstrip(",")) for out in outputs]
    assert sum(sent) == len(ids), outputs
    assert_paid_exactly_once(ids, ledger)


def test_a_run_killed_mid_batch_then_rerun_pays_each_payment_once(tmp_path):
    ledger = tmp_path / "partner.tsv"
    ids = due_payments(2, 30)
    run = disburse_process(ledger, delay=0.05, batch_size=20)
    deadline = time.monotonic() + 60
    while len(ledger_lines(ledger)) < 25:  # inside the second batch
        assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait(10)
    partly = len(ledger_lines(ledger))
    assert 25 <= partly < len(ids)
    assert IncentivePayment.objects.filter(status="paid").count() == 20  # the first batch
    assert DisbursementBatch.objects.filter(status="queued").exists()  # the dead run's batch

    rerun = disburse_process(ledger)
    output = rerun.communicate(timeout=120)[0]
    assert rerun.returncode == 0, output
    assert output.strip().endswith(f"sent {len(ids) - 20}, failed 0")
    assert_paid_exactly_once(ids, ledger)
    ledger_sync()
    assert ledger_unbalanced() == []
    assert account_balances()["incentives_paid"] == 600_000 * len(ids)


def test_a_claim_takes_at_most_its_size():
    due_payments(1, 10)
    batch = batch_claim(channel="bank", today=clock.now().date(), size=3)
    assert batch.payments.count() == 3
    assert IncentivePayment.objects.filter(status="scheduled").count() == 7
