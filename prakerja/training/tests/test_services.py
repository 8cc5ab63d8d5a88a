import datetime as dt

import pytest
import time_machine
from django.db.models import Q

from prakerja.core import clock
from prakerja.core.errors import Conflict, NotFound, ValidationFailed
from prakerja.core.models import ApiToken, AuditLog
from prakerja.core.selectors import api_token_user
from prakerja.programs.models import ApplicationStatus
from prakerja.programs.services import wave_run_selection
from prakerja.programs.tests.factories import WaveFactory
from prakerja.programs.tests.test_waves import verified_participant
from prakerja.training import selectors
from prakerja.training.models import (
    Card,
    CardStatus,
    Course,
    CourseStatus,
    Institution,
    Purchase,
    PurchaseStatus,
)
from prakerja.training.services import (
    card_number_new,
    cards_revoke_due,
    course_moderate,
    course_upsert,
    luhn_valid,
    platform_create,
    purchase_cancel,
    purchase_complete,
    purchase_create,
    review_create,
    voucher_redeem,
)

from .factories import CardFactory, CourseFactory, PlatformFactory, PurchaseFactory

pytestmark = pytest.mark.django_db

COURSE = {
    "title": "Digital Marketing untuk UMKM",
    "provider": "Lembaga Kursus Nusantara",
    "price": 750_000,
    "mode": "online",
    "category": "Pemasaran",
    "description": "Belajar pemasaran digital.",
    "hours": 12,
}


# --- Card issuance -------------------------------------------------------------------------------


def test_card_numbers_are_16_digits_with_a_luhn_digit():
    numbers = {card_number_new() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 16
        assert number.isdigit()
        assert luhn_valid(number)
    assert luhn_valid("4539578763621486")
    assert not luhn_valid("4539578763621487")


def test_selection_issues_cards_visible_from_the_publication():
    start = clock.now()
    wave = WaveFactory(
        quota=1,
        opens_at=start - dt.timedelta(days=5),
        closes_at=start - dt.timedelta(days=1),
        training_balance=1_000_000,
        first_purchase_days=30,
        card_valid_days=365,
    )
    chosen, other = verified_participant(), verified_participant()
    from prakerja.programs.services import wave_join

    with time_machine.travel(start - dt.timedelta(days=3), tick=False):
        wave_join(participant=chosen, wave=wave)
        wave_join(participant=other, wave=wave)
    announce = start + dt.timedelta(hours=6)
    wave_run_selection(wave=wave, actor=None, announce_at=announce)
    card = Card.objects.get()
    assert card.participant == chosen
    assert card.application.status == ApplicationStatus.SELECTED
    assert card.balance == card.initial_balance == 1_000_000
    assert card.issued_at == announce
    assert card.first_purchase_deadline == announce + dt.timedelta(days=30)
    assert card.valid_until == announce + dt.timedelta(days=365)
    assert luhn_valid(card.number)
    assert selectors.card_for_participant(user=chosen) is None
    with time_machine.travel(announce - dt.timedelta(seconds=1), tick=False):
        assert selectors.card_for_participant(user=chosen) is None
    with time_machine.travel(announce, tick=False):
        assert selectors.card_for_participant(user=chosen) == card
        assert selectors.card_for_participant(user=other) is None


# --- Platforms and courses -----------------------------------------------------------------------


def test_platform_create_makes_an_integration_user_and_token():
    platform, token = platform_create(slug="skillku", name="SkillKu")
    assert api_token_user(raw=token) == platform.user
    assert not platform.user.has_usable_password()
    assert ApiToken.objects.filter(user=platform.user).count() == 1
    assert selectors.platform_for_user(user=platform.user) == platform
    with pytest.raises(Conflict) as exc:
        platform_create(slug="skillku", name="Again")
    assert exc.value.code == "platform_exists"
    with pytest.raises(ValidationFailed) as exc:
        platform_create(slug="Bad Slug!", name="")
    assert set(exc.value.errors) == {"slug", "name"}


def test_course_upsert_creates_then_updates():
    platform = PlatformFactory()
    course, created = course_upsert(
        platform=platform, external_id="DM-1", data=COURSE, approve=False
    )
    assert created
    assert course.status == CourseStatus.PENDING
    assert course.institution.name == "Lembaga Kursus Nusantara"
    assert not selectors.catalog_search().exists()
    course_moderate(course=course, approve=True, actor=None)
    again, created = course_upsert(
        platform=platform, external_id="DM-1", data={**COURSE, "price": 800_000}, approve=False
    )
    assert not created
    assert again.pk == course.pk
    assert again.price == 800_000
    assert again.status == CourseStatus.APPROVED  # an update keeps the review state
    assert list(selectors.catalog_search()) == [again]
    assert Institution.objects.count() == 1
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["course.create", "course.moderate", "course.update"]


def test_course_upsert_is_per_platform():
    one, two = PlatformFactory(), PlatformFactory()
    a, _ = course_upsert(platform=one, external_id="X", data=COURSE, approve=True)
    b, created = course_upsert(platform=two, external_id="X", data=COURSE, approve=True)
    assert created
    assert a.pk != b.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"price": 0}, "price"),
        ({"price": "100"}, "price"),
        ({"price": True}, "price"),
        ({"mode": "hybrid"}, "mode"),
        ({"hours": 0}, "hours"),
        ({"provider": None}, "provider"),
        ({"category": "x" * 61}, "category"),
    ],
)
def test_course_upsert_refuses_bad_fields(change, field):
    with pytest.raises(ValidationFailed) as exc:
        course_upsert(
            platform=PlatformFactory(), external_id="X", data={**COURSE, **change}, approve=True
        )
    assert field in exc.value.errors
    assert not Course.objects.exists()


def _plain_word_search(q: str) -> list[Course]:
    """What the catalog's words mean, as plain lookups on the three fields."""
    courses = selectors.catalog_search()
    for word in q.split():
        courses = courses.filter(
            Q(title__icontains=word)
            | Q(institution__name__icontains=word)
            | Q(category__icontains=word)
        )
    return list(courses)


def test_catalog_words_match_title_institution_or_category_as_plain_lookups():
    platform = PlatformFactory()
    course_upsert(
        platform=platform,
        external_id="A",
        data={
            **COURSE,
            "title": "Barista Dasar",
            "provider": "Kopi Nusantara",
            "category": "Kuliner",
        },
        approve=True,
    )
    course_upsert(
        platform=platform,
        external_id="B",
        data={
            **COURSE,
            "title": "Excel Lanjutan",
            "provider": "Lembaga Data",
            "category": "Kantor",
        },
        approve=True,
    )
    CourseFactory(title="Tata Boga", institution__name="Dapur Kopi", category="Kuliner")
    queries = [
        "barista", "BARISTA dasar", "kopi", "kuliner kopi", "lanjutan data", "excel kopi",
        "nus", "ar", "tidakada", "kantor excel", "boga dapur", "%", "_",
    ]  # fmt: skip
    for q in queries:
        assert list(selectors.catalog_search(q=q)) == _plain_word_search(q), q
    # The matched text follows the course's changes.
    course_upsert(
        platform=platform,
        external_id="A",
        data={**COURSE, "title": "Latte Art", "provider": "Lembaga Data", "category": "Kuliner"},
        approve=True,
    )
    assert [c.title for c in selectors.catalog_search(q="latte data")] == ["Latte Art"]
    assert not selectors.catalog_search(q="barista").exists()
    course = Course.objects.get(title="Tata Boga")
    course.title = "Roti Manis"
    course.save(update_fields=["title"])
    assert [c.title for c in selectors.catalog_search(q="roti dapur")] == ["Roti Manis"]


def test_catalog_search_filters():
    skill = PlatformFactory(slug="skill")
    web = CourseFactory(title="Membuat Website", category="TI", price=300_000, platform=skill)
    CourseFactory(title="Menjahit Dasar", category="Busana", price=900_000, mode="offline")
    CourseFactory(title="Website Lanjut", status=CourseStatus.PENDING)
    CourseFactory(title="Website Platform Nonaktif", platform=PlatformFactory(is_active=False))
    assert list(selectors.catalog_search(q="website")) == [web]
    assert list(selectors.catalog_search(q="membuat web")) == [web]
    assert list(selectors.catalog_search(category="TI")) == [web]
    assert list(selectors.catalog_search(mode="offline"))[0].title == "Menjahit Dasar"
    assert list(selectors.catalog_search(platform="skill")) == [web]
    assert list(selectors.catalog_search(price_max=500_000)) == [web]
    assert selectors.catalog_search().count() == 2
    assert selectors.catalog_categories() == ["Busana", "TI"]
    with pytest.raises(NotFound):
        selectors.course_get_public(course_id=Course.objects.get(title="Website Lanjut").pk)


# --- Purchases -----------------------------------------------------------------------------------


def test_purchase_takes_the_price_and_gives_a_voucher():
    card = CardFactory()
    course = CourseFactory(price=600_000)
    purchase = purchase_create(participant=card.participant, course=course)
    card.refresh_from_db()
    assert card.balance == 400_000
    assert card.first_purchase_at == purchase.purchased_at
    assert purchase.status == PurchaseStatus.PAID
    assert len(purchase.voucher_code) == 16
    assert purchase.voucher_code.isalnum()
    assert AuditLog.objects.filter(action="purchase.create").count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("no_card", "no_card"),
        ("insufficient", "insufficient_balance"),
        ("pending_course", "course_unavailable"),
        ("inactive_platform", "course_unavailable"),
        ("twice", "already_bought"),
        ("revoked", "card_revoked"),
        ("expired", "card_expired"),
    ],
)
def test_purchase_refusals(setup, code):
    card = CardFactory()
    course = CourseFactory(price=400_000)
    participant = card.participant
    if setup == "no_card":
        participant = verified_participant()
    elif setup == "insufficient":
        Card.objects.filter(pk=card.pk).update(balance=399_999)
    elif setup == "pending_course":
        course.status = CourseStatus.PENDING
        course.save()
    elif setup == "inactive_platform":
        course.platform.is_active = False
        course.platform.save()
    elif setup == "twice":
        purchase_create(participant=participant, course=course)
    elif setup == "revoked":
        Card.objects.filter(pk=card.pk).update(
            first_purchase_deadline=clock.now() - dt.timedelta(seconds=1)
        )
    elif setup == "expired":
        Card.objects.filter(pk=card.pk).update(
            first_purchase_at=clock.now() - dt.timedelta(days=10),
            valid_until=clock.now() - dt.timedelta(seconds=1),
        )
    balance_before = Card.objects.get(pk=card.pk).balance
    with pytest.raises(Conflict) as exc:
        purchase_create(participant=participant, course=course)
    assert exc.value.code == code
    assert Card.objects.get(pk=card.pk).balance == balance_before


def test_purchase_query_budget(django_assert_num_queries):
    """Every participant buys at a wave's opening: the card locked and read, the balance taken,
    the purchase and its audit entry written (with the transaction's two statements). The
    checks only a refusal needs are not on this path."""
    card = CardFactory()
    course = CourseFactory(price=250_000)
    with django_assert_num_queries(6):
        purchase = purchase_create(participant=card.participant, course=course)
    assert purchase.card.balance == 750_000
    assert purchase.card.first_purchase_at == purchase.purchased_at
    card.refresh_from_db()
    assert (card.balance, card.first_purchase_at) == (750_000, purchase.purchased_at)


def test_spending_the_whole_balance_then_nothing_more():
    card = CardFactory()
    purchase_create(participant=card.participant, course=CourseFactory(price=1_000_000))
    with pytest.raises(Conflict) as exc:
        purchase_create(participant=card.participant, course=CourseFactory(price=1))
    assert exc.value.code == "insufficient_balance"
    assert Card.objects.get(pk=card.pk).balance == 0


def test_cancel_gives_the_balance_back_and_allows_buying_again():
    card = CardFactory()
    course = CourseFactory(price=500_000)
    purchase = purchase_create(participant=card.participant, course=course)
    purchase_cancel(purchase=purchase, actor=card.participant)
    card.refresh_from_db()
    assert card.balance == 1_000_000
    assert card.first_purchase_at is not None  # the first purchase keeps the card
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CANCELLED
    with pytest.raises(Conflict) as exc:
        purchase_cancel(purchase=purchase, actor=card.participant)
    assert exc.value.code == "already_cancelled"
    again = purchase_create(participant=card.participant, course=course)
    assert again.voucher_code != purchase.voucher_code


def test_cancel_refused_after_redemption():
    card = CardFactory()
    course = CourseFactory()
    purchase = purchase_create(participant=card.participant, course=course)
    voucher_redeem(platform=course.platform, voucher_code=purchase.voucher_code)
    with pytest.raises(Conflict) as exc:
        purchase_cancel(purchase=purchase, actor=card.participant)
    assert exc.value.code == "voucher_redeemed"
    assert Card.objects.get(pk=card.pk).balance == 500_000


# --- Vouchers, completion, certificates, reviews ------------------------------------------------


def test_redeem_complete_review_journey():
    card = CardFactory()
    course = CourseFactory(price=500_000)
    purchase = purchase_create(participant=card.participant, course=course)
    platform = course.platform
    with pytest.raises(Conflict) as exc:
        purchase_complete(
            platform=platform,
            voucher_code=purchase.voucher_code,
            completed_at=clock.now(),
            score=90,
        )
    assert exc.value.code == "voucher_not_redeemed"
    with pytest.raises(Conflict) as exc:
        review_create(purchase=purchase, rating=5, text="Bagus")
    assert exc.value.code == "training_not_completed"
    redeemed = voucher_redeem(platform=platform, voucher_code=purchase.voucher_code.lower())
    assert redeemed.status == PurchaseStatus.REDEEMED
    with pytest.raises(Conflict) as exc:
        voucher_redeem(platform=platform, voucher_code=purchase.voucher_code)
    assert exc.value.code == "voucher_redeemed"
    certificate = purchase_complete(
        platform=platform, voucher_code=purchase.voucher_code, completed_at=clock.now(), score=90
    )
    assert certificate.number.startswith(f"PRK-{clock.local_now().year}-")
    with pytest.raises(Conflict) as exc:
        purchase_complete(
            platform=platform,
            voucher_code=purchase.voucher_code,
            completed_at=clock.now(),
            score=90,
        )
    assert exc.value.code == "already_completed"
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.COMPLETED
    assert purchase.score == 90
    review_create(purchase=purchase, rating=4, text="  Materi bagus, mentor ramah.  ")
    course.refresh_from_db()
    assert (course.rating_count, course.rating_sum, course.rating) == (1, 4, 4.0)
    with pytest.raises(Conflict) as exc:
        review_create(purchase=purchase, rating=5, text="Lagi")
    assert exc.value.code == "already_reviewed"
    assert [r.text for r in selectors.course_reviews(course=course)] == [
        "Materi bagus, mentor ramah."
    ]
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"purchase.create", "voucher.redeem", "purchase.complete", "review.create"} <= actions


def test_cancelled_voucher_cannot_be_redeemed():
    purchase = PurchaseFactory(status=PurchaseStatus.CANCELLED)
    with pytest.raises(Conflict) as exc:
        voucher_redeem(platform=purchase.course.platform, voucher_code=purchase.voucher_code)
    assert exc.value.code == "voucher_cancelled"


def test_other_platforms_vouchers_are_not_found():
    purchase = PurchaseFactory(redeemed=True)
    stranger = PlatformFactory()
    with pytest.raises(NotFound):
        voucher_redeem(platform=stranger, voucher_code=purchase.voucher_code)
    with pytest.raises(NotFound):
        purchase_complete(
            platform=stranger, voucher_code=purchase.voucher_code, completed_at=clock.now(), score=1
        )
    with pytest.raises(NotFound):
        selectors.purchase_get_for_actor(
            actor=verified_participant(), voucher_code=purchase.voucher_code
        )


@pytest.mark.parametrize(
    ("completed_at", "score", "field"),
    [
        (lambda: clock.now() + dt.timedelta(minutes=1), 80, "completed_at"),
        (lambda: clock.now() - dt.timedelta(days=30), 80, "completed_at"),
        (lambda: clock.now(), 101, "score"),
        (lambda: clock.now(), -1, "score"),
    ],
)
def test_completion_refuses_bad_input(completed_at, score, field):
    purchase = PurchaseFactory(redeemed=True)
    with pytest.raises(ValidationFailed) as exc:
        purchase_complete(
            platform=purchase.course.platform,
            voucher_code=purchase.voucher_code,
            completed_at=completed_at(),
            score=score,
        )
    assert field in exc.value.errors
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.REDEEMED


@pytest.mark.parametrize(
    ("rating", "text", "field"), [(0, "ok", "rating"), (6, "ok", "rating"), (3, "  ", "review")]
)
def test_review_refuses_bad_input(rating, text, field):
    purchase = PurchaseFactory(completed=True)
    with pytest.raises(ValidationFailed) as exc:
        review_create(purchase=purchase, rating=rating, text=text)
    assert field in exc.value.errors


# --- Revocation ----------------------------------------------------------------------------------


def test_revocation_at_the_deadline_to_the_second():
    card = CardFactory()
    deadline = card.first_purchase_deadline
    course = CourseFactory()
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert card.status_at(clock.now()) == CardStatus.ACTIVE
        assert cards_revoke_due(now=clock.now()) == 0
    with time_machine.travel(deadline, tick=False):
        assert card.status_at(clock.now()) == CardStatus.REVOKED
        with pytest.raises(Conflict) as exc:
            purchase_create(participant=card.participant, course=course)
        assert exc.value.code == "card_revoked"
        assert cards_revoke_due(now=clock.now()) == 1
        assert cards_revoke_due(now=clock.now()) == 0
    card.refresh_from_db()
    assert card.revoked_at == deadline
    assert card.balance == 0
    assert AuditLog.objects.get(action="card.revoke_due").after == {"cards": 1}


def test_a_purchase_before_the_deadline_keeps_the_card():
    card = CardFactory()
    with time_machine.travel(card.first_purchase_deadline - dt.timedelta(seconds=1), tick=False):
        purchase_create(participant=card.participant, course=CourseFactory(price=100_000))
    with time_machine.travel(card.first_purchase_deadline + dt.timedelta(days=1), tick=False):
        assert cards_revoke_due(now=clock.now()) == 0
        card.refresh_from_db()
        assert card.status_at(clock.now()) == CardStatus.ACTIVE
        purchase_create(participant=card.participant, course=CourseFactory(price=100_000))
    assert Card.objects.get(pk=card.pk).balance == 800_000


def test_card_figures_by_wave():
    active = CardFactory()
    CardFactory(application__wave=active.application.wave, first_purchase_at=clock.now())
    late = CardFactory(
        application__wave=active.application.wave,
        first_purchase_deadline=clock.now() - dt.timedelta(seconds=1),
    )
    [row] = selectors.card_figures_by_wave()
    assert row["issued"] == 3
    assert row["bought"] == 1
    assert row["revoked"] == 1  # by the clock, before the job
    assert row["returned"] == 0
    cards_revoke_due(now=clock.now())
    [row] = selectors.card_figures_by_wave()
    assert row["revoked"] == 1
    assert row["returned"] == late.initial_balance
    assert row["balance"] == 2_000_000
