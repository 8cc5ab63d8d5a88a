"""Writes of the training journey: cards, platforms, the catalog, purchases and vouchers,
completions and certificates, reviews.

The database decides every money rule. A purchase takes its price off the card with one
conditional UPDATE (enough balance, card still usable) and inserts the purchase in the same
transaction, so concurrent purchases on one card serialize on the card's row and none can take
the balance below zero or buy a course twice (the partial unique constraint). Voucher redemption
and completion are conditional UPDATEs on the purchase's status, so only one of two racing
calls wins. Revocation at the first-purchase deadline needs no job to take effect (the card's
status is computed from the clock); `cards_revoke_due` only records it and returns the balance.
"""

import datetime as dt
import re
import secrets
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.core.services import api_token_create, audit_record

from .hooks import training_reviewed
from .models import (
    Card,
    CardStatus,
    Certificate,
    Course,
    CourseMode,
    CourseStatus,
    Institution,
    Platform,
    Purchase,
    PurchaseStatus,
    Review,
)
from .selectors import card_for_participant, partner_purchase_get

# Unambiguous letters and digits (no 0/O, 1/I/L): codes are read out over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
VOUCHER_CODE_LENGTH = 16  # 31**16 ~ 2**79: not guessable
CARD_NUMBER_PREFIX = "5"
REVIEW_MAX_LENGTH = 2000
SCORE_MAX = 100


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit that makes `digits + digit` pass the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 0:  # doubled: these are the odd positions once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def card_number_new() -> str:
    """16 digits: a fixed prefix, 14 random digits, a Luhn check digit (catches a mistyped digit
    when an agent or participant reads the number out)."""
    body = CARD_NUMBER_PREFIX + "".join(secrets.choice("0123456789") for _ in range(14))
    return body + luhn_check_digit(body)


def voucher_code_new() -> str:
    return _random_code(VOUCHER_CODE_LENGTH)


def certificate_number_new(*, issued_at: dt.datetime | None = None) -> str:
    """`PRK-<year>-<10 random characters>`: random, so numbers cannot be enumerated on the
    public verification page."""
    year = clock.to_local(issued_at or clock.now()).year
    return f"PRK-{year}-{_random_code(10)}"


def _card_numbers_free(count: int) -> list[str]:
    """`count` new card numbers, none already taken."""
    numbers: set[str] = set()
    while len(numbers) < count:
        candidates = {card_number_new() for _ in range(count - len(numbers))} - numbers
        taken = set(Card.objects.filter(number__in=candidates).values_list("number", flat=True))
        numbers |= candidates - taken
    return list(numbers)


@transaction.atomic
def card_issue_for_selection(*, wave, applications: Sequence) -> list[Card]:
    """Issue a card to every selected application of `wave` that has none yet, with the wave's
    scheme copied in. Called through programs' `participants_selected` hook inside the selection
    run's transaction (the wave's announce_at is set). The card exists from then on but is shown
    to its holder only from announce_at (`card_for_participant`)."""
    if wave.announce_at is None:
        raise ValueError("cards are issued once the wave has a publication time")
    with_card = set(
        Card.objects.filter(application__in=[a.pk for a in applications]).values_list(
            "application_id", flat=True
        )
    )
    todo = [a for a in applications if a.pk not in with_card]
    announce = wave.announce_at
    cards = [
        Card(
            participant_id=application.participant_id,
            application=application,
            number=number,
            initial_balance=wave.training_balance,
            balance=wave.training_balance,
            issued_at=announce,
            first_purchase_deadline=announce + dt.timedelta(days=wave.first_purchase_days),
            valid_until=announce + dt.timedelta(days=wave.card_valid_days),
        )
        for application, number in zip(todo, _card_numbers_free(len(todo)), strict=True)
    ]
    return Card.objects.bulk_create(cards, batch_size=1000)


# --- Platforms and the catalog -------------------------------------------------------------------

PLATFORM_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@transaction.atomic
def platform_create(*, slug: str, name: str, actor=None) -> tuple[Platform, str]:
    """A partner platform with its integration user (no password: it signs in with tokens only)
    and a first API token, returned once. 422 for a bad slug or an empty name, 409
    `platform_exists`. Audits `platform.create`."""
    slug = (slug or "").strip().lower()
    name = (name or "").strip()
    errors = {}
    if not PLATFORM_SLUG.match(slug):
        errors["slug"] = [_("Use 2-40 lowercase letters, digits and hyphens.")]
    if not name or len(name) > 120:
        errors["name"] = [_("Enter the platform's name (at most 120 characters).")]
    if errors:
        raise ValidationFailed(errors=errors)
    username = f"platform.{slug}"
    User = get_user_model()
    if (
        Platform.objects.filter(slug=slug).exists()
        or User.objects.filter(username=username).exists()
    ):
        raise Conflict(_("A platform with this code already exists."), code="platform_exists")
    user = User(username=username, full_name=name)
    user.set_unusable_password()
    user.save()
    platform = Platform.objects.create(slug=slug, name=name, user=user)
    token = api_token_create(user=user, name="partner-api", actor=actor)[1]
    audit_record(actor=actor, action="platform.create", obj=platform, after={"slug": slug})
    return platform, token


@transaction.atomic
def platform_set_active(*, platform: Platform, active: bool, actor) -> Platform:
    """Suspend or reinstate a platform. While suspended its courses leave the catalog and its
    integration user is refused by the partner API; bought vouchers stay. Audits
    `platform.suspend`/`platform.reinstate`."""
    platform.is_active = active
    platform.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="platform.reinstate" if active else "platform.suspend",
        obj=platform,
        after={"is_active": active},
    )
    return platform


COURSE_FIELDS = ("title", "price", "mode", "category", "description", "hours", "schedule")


def _course_errors(data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, limit in (("title", 200), ("provider", 200), ("category", 60)):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            errors[field] = [_("This field is required.")]
        elif len(value.strip()) > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    for field, limit in (("description", 5000), ("schedule", 1000)):
        value = data.get(field) or ""
        if not isinstance(value, str) or len(value) > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    price = data.get("price")
    if not isinstance(price, int) or isinstance(price, bool) or not 0 < price <= 100_000_000:
        errors["price"] = [_("Enter the price in whole rupiah, more than 0.")]
    hours = data.get("hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 0 < hours <= 1000:
        errors["hours"] = [_("Enter the length in hours (1-1000).")]
    if data.get("mode") not in CourseMode.values:
        errors["mode"] = [_("Choose online, offline or blended.")]
    return errors


def _course_snapshot(course: Course) -> dict:
    return {
        "title": course.title,
        "provider": course.institution.name,
        "price": course.price,
        "mode": course.mode,
        "category": course.category,
        "hours": course.hours,
        "status": course.status,
    }


@transaction.atomic
def course_upsert(
    *, platform: Platform, external_id: str, data: dict, approve: bool
) -> tuple[Course, bool]:
    """Create or update the platform's course `external_id` from `data` (title, provider, price,
    mode, category, hours; description and schedule optional). A new course waits for the PMO's
    review unless `approve` (the caller decides whether the platform may ask for that); an update
    keeps the course's review state. The institution (`provider`) is found or added by name.
    Returns (course, created). 422 on bad fields. Audits `course.create`/`course.update` as the
    platform's user."""
    external_id = (external_id or "").strip()
    errors = _course_errors(data)
    if not external_id or len(external_id) > 100:
        errors["external_id"] = [_("Give the platform's course id (at most 100 characters).")]
    if errors:
        raise ValidationFailed(errors=errors)
    institution, _created = Institution.objects.get_or_create(name=data["provider"].strip())
    now = clock.now()
    course = (
        Course.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(platform=platform, external_id=external_id)
        .first()
    )
    created = course is None
    before = None if created else _course_snapshot(course)
    if created:
        course = Course(platform=platform, external_id=external_id, created_at=now)
    course.institution = institution
    for field in COURSE_FIELDS:
        value = data.get(field, "")
        setattr(course, field, value.strip() if isinstance(value, str) else value)
    course.updated_at = now
    if approve:
        course.status = CourseStatus.APPROVED
        course.reviewed_at = now
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as exc:
        # Two pushes of one new course raced; the other one created it.
        raise Conflict(
            _("The course was changed at the same time; send it again."), code="course_conflict"
        ) from exc
    audit_record(
        actor=platform.user,
        action="course.create" if created else "course.update",
        obj=course,
        before=before,
        after=_course_snapshot(course),
    )
    return course, created


@transaction.atomic
def course_moderate(*, course: Course, approve: bool, actor) -> Course:
    """Approve (visible in the catalog) or reject a course. Audits `course.moderate`."""
    before = course.status
    course.status = CourseStatus.APPROVED if approve else CourseStatus.REJECTED
    course.reviewed_at = clock.now()
    course.save(update_fields=["status", "reviewed_at"])
    audit_record(
        actor=actor,
        action="course.moderate",
        obj=course,
        before={"status": before},
        after={"status": course.status},
    )
    return course


# --- Purchases and vouchers ----------------------------------------------------------------------


def _refusal_for(card: Card, now: dt.datetime) -> Conflict | None:
    status = card.status_at(now)
    if status == CardStatus.REVOKED:
        return Conflict(
            _("Your Kartu Prakerja was revoked: no training was bought before the deadline."),
            code="card_revoked",
        )
    if status == CardStatus.EXPIRED:
        return Conflict(_("Your Kartu Prakerja is no longer valid."), code="card_expired")
    return None


def _already_bought() -> Conflict:
    return Conflict(_("You have already bought this training."), code="already_bought")


@transaction.atomic
def purchase_create(*, participant, course: Course) -> Purchase:
    """Buy `course` with the participant's card balance. 409 `no_card`, `card_revoked`,
    `card_expired`, `course_unavailable` (not approved, or its platform is suspended),
    `already_bought` (a purchase of it that is not cancelled), `insufficient_balance`.
    One conditional UPDATE takes the price off the card only while the balance covers it and the
    card is usable at this moment; the purchase row follows in the same transaction, and the
    database's one-purchase-per-course constraint refuses a second one. The first purchase keeps
    the card from revocation, even if it is cancelled later. Audits `purchase.create`.

    A purchase is on every participant's path at a wave's opening: its statements are counted
    (test_purchase_query_budget), and the checks that only a refusal needs run on refusal."""
    now = clock.now()
    # Locked: the balance read here is the one the UPDATE below changes, so the new balance is
    # known without reading the card again.
    card = card_for_participant(user=participant, lock=True)
    if card is None:
        raise Conflict(_("You have no Kartu Prakerja."), code="no_card")
    refusal = _refusal_for(card, now)
    if refusal:
        raise refusal
    if course.status != CourseStatus.APPROVED or not course.platform.is_active:
        raise Conflict(_("This training cannot be bought."), code="course_unavailable")
    taken = Card.objects.filter(
        Q(first_purchase_at__isnull=False) | Q(first_purchase_deadline__gt=now),
        pk=card.pk,
        balance__gte=course.price,
        revoked_at__isnull=True,
        valid_until__gt=now,
    ).update(
        balance=F("balance") - course.price,
        first_purchase_at=Coalesce(F("first_purchase_at"), now),
    )
    if not taken:
        card.refresh_from_db()
        refusal = _refusal_for(card, now)
        if refusal:
            raise refusal
        if (
            Purchase.objects.filter(card=card, course=course)
            .exclude(status=PurchaseStatus.CANCELLED)
            .exists()
        ):
            raise _already_bought()
        raise Conflict(
            _("Your balance is not enough for this training."), code="insufficient_balance"
        )
    try:
        purchase = Purchase.objects.create(
            card=card,
            course=course,
            price=course.price,
            voucher_code=voucher_code_new(),
            purchased_at=now,
        )
    except IntegrityError:
        # One purchase per course and card is the only unique key a purchase meets by more than
        # chance (a voucher code is ~79 random bits). Leaving by an exception rolls this
        # transaction's balance update back with it.
        raise _already_bought() from None
    card.balance -= course.price
    card.first_purchase_at = card.first_purchase_at or now
    purchase.card = card
    audit_record(
        actor=participant,
        action="purchase.create",
        obj=purchase,
        after={"course": course.pk, "price": purchase.price},
    )
    return purchase


@transaction.atomic
def purchase_cancel(*, purchase: Purchase, actor) -> Purchase:
    """Cancel a purchase whose voucher the platform has not redeemed; the price goes back to the
    card. 409 `voucher_redeemed` once redeemed or completed, `already_cancelled`. The status
    change is a conditional UPDATE, so a redemption racing the cancellation leaves exactly one of
    them done. Audits `purchase.cancel`."""
    now = clock.now()
    cancelled = Purchase.objects.filter(pk=purchase.pk, status=PurchaseStatus.PAID).update(
        status=PurchaseStatus.CANCELLED, cancelled_at=now
    )
    if not cancelled:
        purchase.refresh_from_db()
        if purchase.status == PurchaseStatus.CANCELLED:
            raise Conflict(_("This purchase is already cancelled."), code="already_cancelled")
        raise Conflict(
            _("The platform has already redeemed this voucher, so it cannot be cancelled."),
            code="voucher_redeemed",
        )
    Card.objects.filter(pk=purchase.card_id).update(balance=F("balance") + purchase.price)
    purchase.refresh_from_db()
    audit_record(
        actor=actor,
        action="purchase.cancel",
        obj=purchase,
        before={"status": PurchaseStatus.PAID},
        after={"status": purchase.status, "refund": purchase.price},
    )
    return purchase


@transaction.atomic
def voucher_redeem(*, platform: Platform, voucher_code: str) -> Purchase:
    """The platform accepts the participant's voucher (the participant starts the training).
    404 for a code of another platform's course, 409 `voucher_redeemed` the second time,
    `voucher_cancelled`. Audits `voucher.redeem` as the platform's user."""
    purchase = partner_purchase_get(platform=platform, voucher_code=voucher_code)
    redeemed = Purchase.objects.filter(pk=purchase.pk, status=PurchaseStatus.PAID).update(
        status=PurchaseStatus.REDEEMED, redeemed_at=clock.now()
    )
    purchase.refresh_from_db()
    if not redeemed:
        if purchase.status == PurchaseStatus.CANCELLED:
            raise Conflict(_("This voucher was cancelled."), code="voucher_cancelled")
        raise Conflict(_("This voucher has already been redeemed."), code="voucher_redeemed")
    audit_record(
        actor=platform.user,
        action="voucher.redeem",
        obj=purchase,
        before={"status": PurchaseStatus.PAID},
        after={"status": purchase.status},
    )
    return purchase


def _completion_errors(purchase: Purchase, completed_at, score) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if completed_at is None or completed_at.tzinfo is None:
        errors["completed_at"] = [_("Give the time with its time zone.")]
    elif completed_at > clock.now():
        errors["completed_at"] = [_("The completion time cannot be in the future.")]
    elif purchase.redeemed_at and completed_at < purchase.redeemed_at:
        errors["completed_at"] = [_("The training cannot end before the voucher was redeemed.")]
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= SCORE_MAX:
        errors["score"] = [_("Give the final score from 0 to 100.")]
    return errors


@transaction.atomic
def purchase_complete(
    *, platform: Platform, voucher_code: str, completed_at: dt.datetime, score: int
) -> Certificate:
    """The platform reports the training completed (at `completed_at`, final score 0-100) and a
    certificate is issued. 404 for another platform's code, 409 `voucher_not_redeemed` before
    redemption, `already_completed`; 422 for a time in the future or before redemption, a bad
    score. Audits `purchase.complete` as the platform's user."""
    purchase = partner_purchase_get(platform=platform, voucher_code=voucher_code)
    if purchase.status == PurchaseStatus.COMPLETED:
        raise Conflict(_("This training is already completed."), code="already_completed")
    if purchase.status != PurchaseStatus.REDEEMED:
        raise Conflict(_("Redeem the voucher first."), code="voucher_not_redeemed")
    errors = _completion_errors(purchase, completed_at, score)
    if errors:
        raise ValidationFailed(errors=errors)
    done = Purchase.objects.filter(pk=purchase.pk, status=PurchaseStatus.REDEEMED).update(
        status=PurchaseStatus.COMPLETED, completed_at=completed_at, score=score
    )
    if not done:
        raise Conflict(_("This training is already completed."), code="already_completed")
    purchase.refresh_from_db()
    now = clock.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    purchase=purchase, number=certificate_number_new(issued_at=now), issued_at=now
                )
            break
        except IntegrityError:
            continue  # a number taken by chance: draw another
    else:
        raise RuntimeError("no free certificate number")
    audit_record(
        actor=platform.user,
        action="purchase.complete",
        obj=purchase,
        after={"score": score, "certificate": certificate.number},
    )
    return certificate


@transaction.atomic
def review_create(*, purchase: Purchase, rating: int, text: str) -> Review:
    """The participant rates (1-5) and reviews a completed training, once. 409
    `training_not_completed`, `already_reviewed`; 422 for a rating outside 1-5 or an empty or
    over-long text. The course's rating figures change in the same transaction, and the
    `training_reviewed` hook runs in it (the first reviewed training starts the incentives).
    Audits `review.create` as the participant."""
    text = (text or "").strip()
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a rating from 1 to 5.")]
    if not text:
        errors["review"] = [_("Write a few words about the training.")]
    elif len(text) > REVIEW_MAX_LENGTH:
        errors["review"] = [_("At most %(limit)d characters.") % {"limit": REVIEW_MAX_LENGTH}]
    if purchase.status != PurchaseStatus.COMPLETED:
        raise Conflict(
            _("You can review a training once you have completed it."),
            code="training_not_completed",
        )
    if errors:
        raise ValidationFailed(errors=errors)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                purchase=purchase, rating=rating, text=text, created_at=clock.now()
            )
    except IntegrityError as exc:
        raise Conflict(
            _("You have already reviewed this training."), code="already_reviewed"
        ) from exc
    Course.objects.filter(pk=purchase.course_id).update(
        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
    )
    first = (
        not Review.objects.filter(purchase__card_id=purchase.card_id).exclude(pk=review.pk).exists()
    )
    training_reviewed(purchase=purchase, first=first)
    audit_record(
        actor=purchase.card.participant,
        action="review.create",
        obj=review,
        after={"course": purchase.course_id, "rating": rating},
    )
    return review


# --- Revocation ----------------------------------------------------------------------------------


@transaction.atomic
def cards_revoke_due(*, now: dt.datetime | None = None) -> int:
    """Record the revocation of every card whose first-purchase deadline has passed without a
    purchase: `revoked_at` is set and the balance returns to the program (the card's balance
    becomes 0; what the program took back is its initial balance). The cards already showed as
    revoked since their deadline; this makes it a fact the figures and the program's books can
    use. One conditional UPDATE: a purchase racing it either lands first (and the card is no
    longer due) or finds the card revoked. Returns how many cards it revoked; audits one
    `card.revoke_due` entry with that count."""
    now = now or clock.now()
    count = Card.objects.filter(
        first_purchase_at__isnull=True,
        revoked_at__isnull=True,
        first_purchase_deadline__lte=now,
    ).update(revoked_at=now, balance=0)
    if count:
        audit_record(
            actor=None,
            action="card.revoke_due",
            object_type="training.card",
            after={"cards": count},
        )
    return count
