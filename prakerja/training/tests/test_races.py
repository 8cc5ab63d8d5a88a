"""The money rules under real concurrency, on PostgreSQL: threads with their own connections
start together at a barrier and call the services (or the API) at once."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import close_old_connections, transaction
from django.test import Client

from prakerja.core.errors import Conflict
from prakerja.training.models import Card, Purchase, PurchaseStatus
from prakerja.training.services import (
    cards_revoke_due,
    platform_create,
    purchase_cancel,
    purchase_create,
    voucher_redeem,
)

from .factories import CardFactory, CourseFactory, PurchaseFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def run_together(n: int, target) -> list:
    """Call target(i) in n threads released at once; each result, or the exception raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def codes(results) -> list[str]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert not unexpected, unexpected
    return sorted(r.code for r in results if isinstance(r, Conflict))


def test_twenty_concurrent_purchases_never_overspend():
    card = CardFactory()  # Rp 1,000,000
    courses = [CourseFactory(price=150_000) for _ in range(20)]
    results = run_together(
        20, lambda i: purchase_create(participant=card.participant, course=courses[i])
    )
    bought = [r for r in results if isinstance(r, Purchase)]
    assert len(bought) == 6  # 6 x 150,000 fits in 1,000,000; a seventh does not
    assert codes(results) == ["insufficient_balance"] * 14
    card.refresh_from_db()
    assert card.balance == 100_000
    assert Purchase.objects.filter(card=card).count() == 6
    assert card.balance + sum(p.price for p in Purchase.objects.filter(card=card)) == 1_000_000
    assert len({p.voucher_code for p in bought}) == 6
    # Each buyer is told the balance its own purchase left: the card is locked, not re-read.
    assert sorted(p.card.balance for p in bought) == [100_000 + 150_000 * n for n in range(6)]


def test_twenty_concurrent_purchases_of_one_course_buy_it_once():
    card = CardFactory()
    course = CourseFactory(price=100_000)
    results = run_together(
        20, lambda i: purchase_create(participant=card.participant, course=course)
    )
    assert len([r for r in results if isinstance(r, Purchase)]) == 1
    assert codes(results) == ["already_bought"] * 19
    card.refresh_from_db()
    assert card.balance == 900_000
    assert Purchase.objects.filter(card=card).count() == 1


def test_concurrent_redemptions_of_one_voucher_through_the_api():
    platform, token = platform_create(slug="rebutan", name="Rebutan")
    purchase = PurchaseFactory(course=CourseFactory(platform=platform))

    def redeem(i):
        response = Client().post(
            f"/api/v1/partner/vouchers/{purchase.voucher_code}/redeem",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return response.status_code, response.json()["code"] if response.status_code != 200 else ""

    results = run_together(10, redeem)
    assert sorted(results) == [(200, "")] + [(409, "voucher_redeemed")] * 9
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.REDEEMED


def test_cancel_racing_redemption_leaves_one_of_them():
    card = CardFactory()
    course = CourseFactory(price=300_000)
    for _ in range(5):
        purchase = purchase_create(participant=card.participant, course=course)
        results = run_together(
            2,
            lambda i, p=purchase: (
                purchase_cancel(purchase=p, actor=card.participant)
                if i == 0
                else voucher_redeem(platform=course.platform, voucher_code=p.voucher_code)
            ),
        )
        assert len(codes(results)) == 1
        purchase.refresh_from_db()
        card.refresh_from_db()
        if purchase.status == PurchaseStatus.CANCELLED:
            assert codes(results) == ["voucher_cancelled"]
            assert card.balance == 1_000_000
        else:
            assert purchase.status == PurchaseStatus.REDEEMED
            assert codes(results) == ["voucher_redeemed"]
            assert card.balance == 700_000
            return
    assert Card.objects.get(pk=card.pk).balance == 1_000_000


def test_a_purchase_waiting_on_the_revocation_job_finds_the_card_revoked():
    """The job revokes (at the deadline) while a purchase started a moment before it waits for
    the card's row: PostgreSQL re-checks the purchase's condition on the committed row, so the
    purchase is refused and the balance the job returned stays returned."""
    card = CardFactory()
    course = CourseFactory(price=100_000)
    deadline = card.first_purchase_deadline
    revoked, purchasing = threading.Event(), threading.Event()

    def revoke():
        try:
            with transaction.atomic():
                assert cards_revoke_due(now=deadline) == 1
                revoked.set()
                purchasing.wait(timeout=10)
                time.sleep(0.5)  # the purchase is now waiting on the card's row
        finally:
            close_old_connections()

    job = threading.Thread(target=revoke)
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        job.start()
        assert revoked.wait(timeout=10)
        purchasing.set()
        with pytest.raises(Conflict) as exc:
            purchase_create(participant=card.participant, course=course)
    job.join(timeout=10)
    assert exc.value.code == "card_revoked"
    card.refresh_from_db()
    assert card.balance == 0
    assert card.revoked_at == deadline
    assert not Purchase.objects.filter(card=card).exists()
