"""The training pages: catalog, course, buying, my trainings, the partner's and the PMO's pages."""

import datetime as dt

import pytest
import time_machine

from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.training.models import Card, CourseStatus, PurchaseStatus, Review

from .factories import (
    CardFactory,
    CertificateFactory,
    CourseFactory,
    InstitutionFactory,
    PlatformFactory,
    PurchaseFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_catalog_searches_and_filters(client):
    skillku, other = PlatformFactory(slug="skillku", name="SkillKu"), PlatformFactory()
    marketing = CourseFactory(
        title="Pemasaran Digital untuk UMKM", platform=skillku, category="Pemasaran", price=750_000
    )
    CourseFactory(title="Menjahit Busana", category="Tata Busana", mode="offline", price=400_000)
    CourseFactory(title="Excel Dasar", platform=other, price=300_000)
    CourseFactory(title="Belum Disetujui", status=CourseStatus.PENDING)
    html = _html(client.get("/pelatihan/"))
    assert "Pemasaran Digital untuk UMKM" in html
    assert "Menjahit Busana" in html
    assert "Belum Disetujui" not in html
    assert 'value="Tata Busana"' in html  # the category filter lists approved categories
    html = _html(client.get("/pelatihan/", {"q": "pemasaran umkm"}))
    assert "Pemasaran Digital" in html
    assert "Excel Dasar" not in html
    html = _html(client.get("/pelatihan/", {"mode": "offline"}))
    assert "Menjahit Busana" in html
    assert "Excel Dasar" not in html
    html = _html(client.get("/pelatihan/", {"platform": "skillku"}))
    assert "Pemasaran Digital" in html
    assert "Menjahit" not in html
    html = _html(client.get("/pelatihan/", {"price_max": "400.000"}))
    assert "Menjahit Busana" in html
    assert "Excel Dasar" in html
    assert "Pemasaran Digital" not in html
    html = _html(client.get("/pelatihan/", {"category": "Pemasaran"}))
    assert f'href="/pelatihan/{marketing.pk}/"' in html
    assert "Excel" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"price_max": "abc"},
        {"mode": "teleport"},
        {"page": "x"},
        {"page": "999"},
        {"q": "x" * 500},
    ],
)
def test_catalog_bad_filters_are_ignored_not_errors(client, params):
    CourseFactory()
    assert client.get("/pelatihan/", params).status_code == 200


def test_catalog_control_characters_are_refused_at_the_edge(client):
    assert client.get("/pelatihan/", {"q": "a\x00b"}).status_code == 422


def test_catalog_with_htmx_returns_only_the_results(client):
    CourseFactory(title="Excel Dasar")
    html = _html(client.get("/pelatihan/", {"q": "excel"}, HTTP_HX_REQUEST="true"))
    assert "Excel Dasar" in html
    assert "<html" not in html
    assert 'id="catalog-filters"' not in html


def test_catalog_pages_and_query_budget(client, django_assert_num_queries):
    for n in range(25):
        CourseFactory(title=f"Pelatihan {n:02d}")
    # Layout (switches 2, announcements, hours 2): 5; count, page, categories, platforms: 4.
    with django_assert_num_queries(9):
        html = _html(client.get("/pelatihan/"))
    assert "25 trainings found" in html or "25 pelatihan" in html
    assert "page=2" in html
    assert "Pelatihan 24" in _html(client.get("/pelatihan/", {"page": 2}))


def test_course_page_shows_reviews_average_and_buy_button_by_card_state(client):
    course = CourseFactory(title="Excel Dasar", description="Rumus dan tabel.")
    ReviewFactory(purchase__course=course, rating=5, text="Sangat jelas.")
    ReviewFactory(purchase__course=course, rating=4, text="Bagus.")
    course.rating_count, course.rating_sum = 2, 9
    course.save()
    html = _html(client.get(f"/pelatihan/{course.pk}/"))
    assert "4,5" in html or "4.5" in html
    assert "Sangat jelas." in html
    assert "Bagus." in html
    assert 'id="buy-button"' not in html  # anonymous: log in to buy
    card = CardFactory()
    client.force_login(card.participant)
    assert 'id="buy-button"' in _html(client.get(f"/pelatihan/{course.pk}/"))
    bought = PurchaseFactory(card=card, course=course)
    html = _html(client.get(f"/pelatihan/{course.pk}/"))
    assert 'id="buy-button"' not in html
    assert f"#purchase-{bought.voucher_code}" in html
    bought.status = PurchaseStatus.CANCELLED
    bought.save()
    Card.objects.filter(pk=card.pk).update(revoked_at=clock.now(), balance=0)
    assert 'id="buy-button"' not in _html(client.get(f"/pelatihan/{course.pk}/"))
    assert (
        client.get(f"/pelatihan/{CourseFactory(status=CourseStatus.PENDING).pk}/").status_code
        == 404
    )
    assert client.get("/pelatihan/999999/").status_code == 404


def test_buy_confirms_then_buys_and_shows_the_voucher(client):
    card = CardFactory()
    course = CourseFactory(price=750_000)
    client.force_login(card.participant)
    html = _html(client.get(f"/pelatihan/{course.pk}/beli/"))
    assert "Rp\xa0750.000" in html
    assert "Rp\xa0250.000" in html
    response = client.post(f"/pelatihan/{course.pk}/beli/")
    assert response.status_code == 302
    purchase = card.purchases.get()
    html = _html(client.get(response.url))
    assert purchase.voucher_code in html
    assert "Rp\xa0250.000" in html
    # Buying again is refused with the service's reason, on the course page.
    response = client.post(f"/pelatihan/{course.pk}/beli/", follow=True)
    assert card.purchases.count() == 1
    assert (
        "already bought" in response.content.decode()
        or "sudah membeli" in response.content.decode()
    )


def test_buy_refuses_without_balance_or_card(client):
    card = CardFactory()
    expensive = CourseFactory(price=1_500_000)
    client.force_login(card.participant)
    html = _html(client.get(f"/pelatihan/{expensive.pk}/beli/"))
    assert 'id="confirm-buy"' not in html
    client.post(f"/pelatihan/{expensive.pk}/beli/")
    assert not card.purchases.exists()
    client.force_login(ParticipantFactory())
    assert 'id="confirm-buy"' not in _html(client.get(f"/pelatihan/{expensive.pk}/beli/"))
    assert client.post(f"/pelatihan/{expensive.pk}/beli/").status_code == 302
    client.force_login(user_with_role(Role.AGENT))
    assert client.get(f"/pelatihan/{expensive.pk}/beli/").status_code == 403


def test_cancel_before_redemption_gives_the_balance_back(client):
    card = CardFactory()
    course = CourseFactory(price=300_000)
    client.force_login(card.participant)
    client.post(f"/pelatihan/{course.pk}/beli/")
    purchase = card.purchases.get()
    response = client.post(f"/pelatihan-saya/{purchase.voucher_code}/batal/", follow=True)
    purchase.refresh_from_db()
    card.refresh_from_db()
    assert purchase.status == PurchaseStatus.CANCELLED
    assert card.balance == card.initial_balance
    assert "Rp\xa0300.000" in response.content.decode()
    redeemed = PurchaseFactory(card=card, redeemed=True)
    client.post(f"/pelatihan-saya/{redeemed.voucher_code}/batal/")
    redeemed.refresh_from_db()
    assert redeemed.status == PurchaseStatus.REDEEMED


def test_another_participants_voucher_is_404(client):
    purchase = PurchaseFactory()
    client.force_login(CardFactory().participant)
    assert client.post(f"/pelatihan-saya/{purchase.voucher_code}/batal/").status_code == 404
    assert client.post(f"/pelatihan-saya/{purchase.voucher_code}/ulasan/").status_code == 404
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID


def test_review_form_after_completion_and_the_certificate(client):
    certificate = CertificateFactory()
    purchase = certificate.purchase
    client.force_login(purchase.card.participant)
    html = _html(client.get("/pelatihan-saya/"))
    assert certificate.number in html
    assert 'class="form review-form"' in html
    for bad in ({"rating": "9", "review": "Bagus"}, {"rating": "5", "review": "  "}, {}):
        client.post(f"/pelatihan-saya/{purchase.voucher_code}/ulasan/", bad)
    assert not Review.objects.exists()
    client.post(
        f"/pelatihan-saya/{purchase.voucher_code}/ulasan/",
        {"rating": "4", "review": "Materi praktis."},
    )
    review = Review.objects.get(purchase=purchase)
    assert review.rating == 4
    html = _html(client.get("/pelatihan-saya/"))
    assert "Materi praktis." in html
    assert 'class="form review-form"' not in html
    assert "Materi praktis." in _html(client.get(f"/pelatihan/{purchase.course_id}/"))


def test_no_review_form_before_completion(client):
    purchase = PurchaseFactory(redeemed=True)
    client.force_login(purchase.card.participant)
    assert "review-form" not in _html(client.get("/pelatihan-saya/"))
    client.post(f"/pelatihan-saya/{purchase.voucher_code}/ulasan/", {"rating": "5", "review": "x"})
    assert not Review.objects.exists()


def test_my_trainings_query_budget(client, django_assert_num_queries):
    card = CardFactory()
    for _ in range(3):
        CertificateFactory(purchase__card=card)
    PurchaseFactory(card=card)
    client.force_login(card.participant)
    # Session, user, roles, layout (5): 8; card, its open purchases, the purchase list: 3.
    with django_assert_num_queries(11):
        _html(client.get("/pelatihan-saya/"))


def _next_step(html: str) -> str:
    return html.split('id="card-next-step"', 1)[1].split("</p>", 1)[0]


def test_dashboard_panel_shows_the_card_and_the_next_step(client):
    card = CardFactory()
    client.force_login(card.participant)
    html = _html(client.get("/dasbor/"))
    spaced = " ".join(card.number[i : i + 4] for i in range(0, 16, 4))
    assert spaced in html
    assert 'id="card-balance">Rp\xa01.000.000<' in html
    assert 'href="/pelatihan/"' in _next_step(html)  # buy the first training
    paid = PurchaseFactory(card=card)
    assert paid.voucher_code not in _next_step(_html(client.get("/dasbor/")))
    PurchaseFactory(card=card, completed=True)
    step = _next_step(_html(client.get("/dasbor/")))
    assert 'class="button" href="/pelatihan-saya/"' in step  # write the review first


def test_dashboard_panel_before_results_and_after_revocation(client):
    card = CardFactory()
    with time_machine.travel(card.issued_at - dt.timedelta(minutes=1), tick=False):
        client.force_login(card.participant)
        assert 'id="card-prakerja"' not in _html(client.get("/dasbor/"))
    with time_machine.travel(card.first_purchase_deadline + dt.timedelta(seconds=1), tick=False):
        client.force_login(card.participant)
        html = _html(client.get("/dasbor/"))
    assert 'id="card-prakerja"' in html
    assert 'id="card-balance">Rp\xa00<' in html
    assert "revoked" in html.lower() or "dicabut" in html.lower()


def test_partner_page_shows_only_its_own_vouchers(client):
    platform = PlatformFactory(name="SkillKu")
    mine = PurchaseFactory(course__platform=platform, completed=True)
    CertificateFactory(purchase=PurchaseFactory(course__platform=platform, completed=True))
    theirs = PurchaseFactory()
    client.force_login(platform.user)
    html = _html(client.get("/mitra/"))
    assert mine.voucher_code in html
    assert theirs.voucher_code not in html
    assert mine.card.participant.full_name in html
    html = _html(client.get("/mitra/", {"status": "paid"}))
    assert mine.voucher_code not in html
    assert _html(client.get("/mitra/", {"status": "bogus"}))
    client.force_login(ParticipantFactory())
    assert client.get("/mitra/").status_code == 403
    client.logout()
    assert client.get("/mitra/").status_code == 302


def test_pmo_moderates_courses_and_sees_platforms_and_revocations(client):
    pending = CourseFactory(title="Kursus Baru", status=CourseStatus.PENDING)
    other = CourseFactory(title="Kursus Meragukan", status=CourseStatus.PENDING)
    revoked = CardFactory()
    Card.objects.filter(pk=revoked.pk).update(
        first_purchase_deadline=clock.now() - dt.timedelta(seconds=1)
    )
    client.force_login(user_with_role(Role.PMO_ADMIN))
    html = _html(client.get("/pmo/pelatihan/"))
    assert "Kursus Baru" in html
    assert "Kursus Meragukan" in html
    assert pending.platform.name in html
    assert f"<td>{revoked.application.wave.number}</td>" in html
    client.post(f"/pmo/pelatihan/kursus/{pending.pk}/", {"decision": "approve"})
    client.post(f"/pmo/pelatihan/kursus/{other.pk}/", {"decision": "reject"})
    client.post(f"/pmo/pelatihan/kursus/{other.pk}/", {"decision": "maybe"})
    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.status == CourseStatus.APPROVED
    assert other.status == CourseStatus.REJECTED
    assert AuditLog.objects.filter(action="course.moderate").count() == 2
    assert "Kursus Baru" in _html(client.get("/pelatihan/"))
    assert client.post("/pmo/pelatihan/kursus/999999/", {"decision": "approve"}).status_code == 404
    client.force_login(ParticipantFactory())
    assert client.get("/pmo/pelatihan/").status_code == 403
    assert (
        client.post(f"/pmo/pelatihan/kursus/{other.pk}/", {"decision": "approve"}).status_code
        == 403
    )


def test_pmo_page_query_budget(client, django_assert_num_queries):
    for _ in range(3):
        CourseFactory(status=CourseStatus.PENDING, institution=InstitutionFactory())
        CardFactory()
    client.force_login(user_with_role(Role.PMO_ADMIN))
    # Session, user, roles, layout (5): 8; pending courses, platforms, waves: 3.
    with django_assert_num_queries(11):
        _html(client.get("/pmo/pelatihan/"))
