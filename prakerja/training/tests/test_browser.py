"""The whole journey in a browser, at phone and desktop size: the basic skills test, joining a
wave, selection and its SMS, the card on the dashboard, the PMO approving a course a platform
pushed, searching the catalog, buying with a confirmation, the platform redeeming the voucher
and reporting completion through the partner API, the certificate (where its public page is
installed), the review on the course page and the partner's page.

Pages are driven by element ids, not by their words, so the test holds in either language.
Set BROWSER_SCREENSHOTS=<dir> to keep a screenshot of each step."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from prakerja.accounts.models import SmsOutbox
from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import SkillsChoice, SkillsTestAttempt, Wave
from prakerja.programs.services import wave_results_notify_due, wave_run_selection
from prakerja.programs.tests.factories import WaveFactory, verified_participant
from prakerja.training.models import Card, Purchase, PurchaseStatus
from prakerja.training.services import platform_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
PASSWORD = "latihan-kerja-2021!"  # noqa: S105
COURSE = {
    "title": "Pemasaran Digital untuk UMKM",
    "provider": "Lembaga Kursus Nusantara",
    "price": 750_000,
    "mode": "online",
    "category": "Pemasaran",
    "description": "Belajar memasarkan usaha lewat media sosial dan lokapasar.",
    "hours": 12,
}


def _shot(page, size: str, name: str) -> None:
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{size}-{name}.png", full_page=True)


def _log_in(page, username: str, then: str = "/dasbor/") -> None:
    page.goto(f"/masuk/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{then}")


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _api(page, method: str, path: str, token: str, data=None):
    response = page.request.fetch(
        path, method=method, headers={"Authorization": f"Bearer {token}"}, data=data
    )
    assert response.ok, response.text()
    return response.json()


@pytest.mark.parametrize("size", SIZES)
def test_the_whole_journey(page, browser, live_server, size):
    page.set_viewport_size(SIZES[size])
    participant = _with_password(verified_participant(skills_test=False))
    wave = WaveFactory(quota=10)

    # The dashboard names the basic skills test as the next step; the participant takes it.
    _log_in(page, participant.username)
    page.click("#next-step a")
    page.click("#skills-status button[type=submit]")
    page.locator("#skills-countdown").wait_for()
    _shot(page, size, "01-skills-test")
    attempt = SkillsTestAttempt.objects.get(participant=participant)
    for answer in attempt.answers.all():
        right = SkillsChoice.objects.get(question_id=answer.question_id, is_correct=True)
        page.check(f"input[name='q{answer.question_id}'][value='{right.pk}']")
    page.click("#skills-form button[type=submit]")
    assert page.inner_text("#skills-score") == "100"

    # Joining the open wave; selection; the result by SMS; the card on the dashboard.
    page.goto("/dasbor/")
    page.click(f"form[action='/gelombang/{wave.number}/ikut/'] button")
    page.locator("#selection-result").wait_for()
    Wave.objects.filter(pk=wave.pk).update(closes_at=clock.now() - dt.timedelta(seconds=1))
    wave_run_selection(wave=wave, actor=user_with_role(Role.PMO_ADMIN))
    assert wave_results_notify_due() == 1
    assert "/dasbor/" in SmsOutbox.objects.filter(to=participant.phone).latest("pk").text
    page.reload()
    card = Card.objects.get(participant=participant)
    assert page.inner_text("#card-number").replace(" ", "") == card.number
    assert page.inner_text("#card-balance") == "Rp\xa01.000.000"
    _shot(page, size, "02-dashboard-card")

    # A platform pushes a course; the PMO approves it on the training page.
    platform, token = platform_create(slug="skillku", name="SkillKu")
    course_id = _api(page, "PUT", "/api/v1/partner/courses/PD-01", token, COURSE)["id"]
    _api(page, "PUT", "/api/v1/partner/courses/XL-01", token, {**COURSE, "title": "Excel Dasar"})
    pmo = browser.new_context(base_url=live_server.url, locale="en-US")
    pmo_page = pmo.new_page()
    pmo_page.set_viewport_size(SIZES[size])
    _log_in(pmo_page, _with_password(user_with_role(Role.PMO_ADMIN)).username, "/pmo/pelatihan/")
    pmo_page.click(f"#course-{course_id} button[value=approve]")
    pmo_page.locator(f"#course-{course_id}").wait_for(state="detached")
    _shot(pmo_page, size, "03-pmo")
    pmo.close()

    # Search and filter the catalog (htmx swaps the results), open the course, buy it.
    page.click("#card-next-step a.button")
    page.wait_for_url("**/pelatihan/")
    page.fill("#id_q", "pemasaran")
    page.select_option("#id_mode", "online")
    page.wait_for_url("**mode=online**")
    assert page.locator(".course-card").count() == 1
    _shot(page, size, "04-catalog")
    page.click(f".course-card a[href='/pelatihan/{course_id}/']")
    page.click("#buy-button")
    assert page.inner_text("#buy-balance-after") == "Rp\xa0250.000"
    _shot(page, size, "05-confirm")
    page.click("#confirm-buy")
    page.wait_for_url("**/pelatihan-saya/")
    purchase = Purchase.objects.get(card=card)
    assert page.inner_text(f"#purchase-{purchase.voucher_code} .voucher") == purchase.voucher_code
    assert page.inner_text("#my-balance") == "Rp\xa0250.000"
    _shot(page, size, "06-voucher")

    # The platform redeems the voucher and reports completion through the partner API.
    redeemed = _api(page, "POST", f"/api/v1/partner/vouchers/{purchase.voucher_code}/redeem", token)
    assert redeemed["voucher_code"] == purchase.voucher_code
    completed_at = clock.now().isoformat()
    number = _api(
        page,
        "POST",
        f"/api/v1/partner/vouchers/{purchase.voucher_code}/completion",
        token,
        {"completed_at": completed_at, "score": 88},
    )["certificate_number"]
    page.reload()
    box = page.locator(f"#purchase-{purchase.voucher_code}")
    assert box.locator(".cancel-button").count() == 0
    assert box.locator(".certificate-number").inner_text() == number
    _shot(page, size, "07-completed")

    # The certificate's public page, where it is installed.
    try:
        reverse("training:certificate_verify", args=[number])
    except NoReverseMatch:
        pass
    else:
        box.locator(".certificate-link").click()
        page.wait_for_url(f"**/{number}/")
        assert number in page.content()
        _shot(page, size, "08-certificate")
        page.go_back()

    # The review, required after completion, shows on the course page with the average.
    box = page.locator(f"#purchase-{purchase.voucher_code}")
    box.locator("input[name=rating][value='4']").check()
    box.locator("textarea[name=review]").fill("Materinya praktis, langsung bisa dipakai jualan.")
    box.locator(".review-form button[type=submit]").click()
    page.locator(f"#purchase-{purchase.voucher_code} .review-form").wait_for(state="detached")
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.COMPLETED
    page.goto(f"/pelatihan/{course_id}/")
    assert "Materinya praktis" in page.inner_text("#reviews")
    assert "4" in page.inner_text("#course-rating")
    _shot(page, size, "09-course-reviewed")

    # The platform's own page lists the voucher as completed, with the certificate.
    partner = browser.new_context(base_url=live_server.url, locale="en-US")
    partner_page = partner.new_page()
    partner_page.set_viewport_size(SIZES[size])
    _log_in(partner_page, _with_password(platform.user).username, then="/mitra/")
    assert partner_page.inner_text("#count-completed").startswith("1")
    assert number in partner_page.inner_text("#partner-vouchers")
    _shot(partner_page, size, "10-partner")
    partner.close()
