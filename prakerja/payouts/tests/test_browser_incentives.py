"""The incentives journey in a browser: a participant reviews the completed training, sees the
four scheduled incentives on the dashboard, the disbursement runs and the first shows as paid;
a payment to a closed account shows the notice to link the account again.

Pages are driven by element ids and status classes, not by their words."""

import io

import pytest
from django.core.management import call_command

from prakerja.payouts.models import IncentivePayment, PaymentStatus
from prakerja.training.models import Purchase, PurchaseStatus
from prakerja.training.services import review_create
from prakerja.training.tests.factories import CardFactory, PurchaseFactory
from prakerja.training.tests.test_browser import _log_in, _with_password

from .factories import LinkedAccountFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def disburse() -> str:
    out = io.StringIO()
    call_command("disburse_incentives", stdout=out)
    return out.getvalue().strip()


def participant_with_completed_training(account_number: str):
    card = CardFactory()
    purchase = PurchaseFactory(card=card, completed=True)
    LinkedAccountFactory(user=card.participant, account_number=account_number)
    return _with_password(card.participant), purchase


def test_incentives_from_review_to_paid(page, live_server):
    participant, purchase = participant_with_completed_training("7700001111")
    _log_in(page, participant.username, then="/pelatihan-saya/")
    box = page.locator(f"#purchase-{purchase.voucher_code}")
    box.locator("input[name=rating][value='5']").check()
    box.locator("textarea[name=review]").fill("Sangat membantu.")
    box.locator(".review-form button[type=submit]").click()
    page.locator(f"#purchase-{purchase.voucher_code} .review-form").wait_for(state="detached")
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.COMPLETED

    page.goto("/dasbor/")
    incentives = page.locator("#card-incentives")
    assert incentives.locator("tbody tr.incentive-scheduled").count() == 4
    assert page.locator("#incentive-relink").count() == 0

    assert disburse() == "sent 1, failed 0"  # the first month's is due at once
    page.reload()
    assert incentives.locator("tbody tr.incentive-paid").count() == 1
    assert incentives.locator("tbody tr.incentive-scheduled").count() == 3


def test_a_failed_payment_asks_to_link_again(page, live_server):
    participant, purchase = participant_with_completed_training("7700001313")  # closed account
    review_create(purchase=purchase, rating=4, text="Bagus.")
    assert disburse() == "sent 0, failed 1"
    _log_in(page, participant.username)
    assert page.locator("#card-incentives tbody tr.incentive-failed").count() == 1
    notice = page.locator("#incentive-relink")
    assert notice.is_visible()
    notice.locator("a").click()
    page.wait_for_url("**/akun/penautan-rekening/")
    assert IncentivePayment.objects.filter(status=PaymentStatus.FAILED).count() == 1
