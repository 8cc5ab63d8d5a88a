"""Reads of the training journey. What a participant or a platform owns is fetched here with its
owner in the filter, so another owner's object is simply not found (404, never 403: a platform
learns nothing about another platform's vouchers)."""

import re

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import NotFound
from prakerja.core.logging import mask_nik
from prakerja.core.ratelimit import rate_limit

from .models import (
    Card,
    CardStatus,
    Certificate,
    Course,
    CourseStatus,
    Platform,
    Purchase,
    PurchaseStatus,
    Review,
)


def normalize_code(code: str) -> str:
    """Voucher codes are shown in capitals; people type them in any case, with spaces. Anything
    that cannot be a code becomes "" (found nowhere), so no odd character reaches the query."""
    code = "".join((code or "").split()).upper()
    return code if code.isascii() and code.isalnum() else ""


def card_for_participant(*, user, lock: bool = False) -> Card | None:
    """The participant's card, once the wave's results are published (`issued_at` is the
    publication time); None before that or without a card. `lock` holds the card's row until the
    transaction ends, for a service that changes its balance."""
    if not getattr(user, "is_authenticated", False):
        return None
    cards = Card.objects.select_related("application__wave")
    if lock:
        cards = cards.select_for_update(of=("self",))
    return cards.filter(participant=user, issued_at__lte=clock.now()).first()


def card_get_for_participant(*, user) -> Card:
    """`card_for_participant`, or 404 `no_card`."""
    card = card_for_participant(user=user)
    if card is None:
        raise NotFound(_("You have no Kartu Prakerja."), code="no_card")
    return card


def _catalog() -> QuerySet[Course]:
    return Course.objects.filter(
        status=CourseStatus.APPROVED, platform__is_active=True
    ).select_related("platform", "institution")


def catalog_search(
    *,
    q: str = "",
    category: str = "",
    mode: str = "",
    platform: str = "",
    price_max: int | None = None,
) -> QuerySet[Course]:
    """Approved courses of active platforms, by title then id. `q` matches words in the title,
    the institution's name or the category (every word must match somewhere); `platform` is the
    platform's slug."""
    courses = _catalog()
    for word in q.split()[:8]:
        courses = courses.filter(search_text__icontains=word)
    if category:
        courses = courses.filter(category=category)
    if mode:
        courses = courses.filter(mode=mode)
    if platform:
        courses = courses.filter(platform__slug=platform)
    if price_max is not None:
        courses = courses.filter(price__lte=price_max)
    return courses.order_by("title", "id")


def catalog_categories() -> list[str]:
    """The categories that have an approved course, for the catalog's filter."""
    return list(_catalog().order_by("category").values_list("category", flat=True).distinct())


def platforms_active() -> QuerySet[Platform]:
    return Platform.objects.filter(is_active=True).order_by("name")


def course_get_public(*, course_id: int) -> Course:
    """An approved course of an active platform; 404 otherwise."""
    course = _catalog().filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("This training is not in the catalog."), code="course_not_found")
    return course


def course_get(*, course_id: int) -> Course:
    """Any course by id, whatever its review state (buying one not approved is refused by the
    service with a reason); 404 `course_not_found` when there is none."""
    course = Course.objects.select_related("platform", "institution").filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("This training is not in the catalog."), code="course_not_found")
    return course


def course_reviews(*, course: Course, limit: int = 20) -> list[Review]:
    """The newest reviews of a course, with the reviewer loaded (the page shows a first name)."""
    return list(
        Review.objects.filter(purchase__course=course)
        .select_related("purchase__card__participant")
        .order_by("-created_at", "-id")[:limit]
    )


def _purchases() -> QuerySet[Purchase]:
    return Purchase.objects.select_related(
        "course__platform", "course__institution", "card__participant", "certificate", "review"
    )


def purchases_for_participant(*, user) -> QuerySet[Purchase]:
    """Every purchase on the participant's card, newest first, with course, certificate and
    review loaded."""
    return _purchases().filter(card__participant=user).order_by("-purchased_at", "-id")


def purchase_get_for_actor(*, actor, voucher_code: str) -> Purchase:
    """The actor's own purchase by voucher code; 404 `voucher_not_found` for anyone else's."""
    purchase = (
        _purchases()
        .filter(card__participant=actor, voucher_code=normalize_code(voucher_code))
        .first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if purchase is None:
        raise NotFound(_("No such voucher."), code="voucher_not_found")
    return purchase


def partner_purchase_get(*, platform: Platform, voucher_code: str) -> Purchase:
    """A purchase of one of the platform's courses by voucher code; 404 `voucher_not_found` for a
    code of another platform (or none)."""
    purchase = (
        _purchases()
        .filter(course__platform=platform, voucher_code=normalize_code(voucher_code))
        .first()
    )
    if purchase is None:
        raise NotFound(_("No such voucher."), code="voucher_not_found")
    return purchase


def partner_purchases(*, platform: Platform, status: str = "") -> QuerySet[Purchase]:
    """The platform's vouchers (purchases of its courses), newest first; `status` filters."""
    purchases = _purchases().filter(course__platform=platform)
    if status:
        purchases = purchases.filter(status=status)
    return purchases.order_by("-purchased_at", "-id")


def partner_course_get(*, platform: Platform, external_id: str) -> Course:
    course = Course.objects.filter(platform=platform, external_id=external_id).first()
    if course is None:
        raise NotFound(_("No such course."), code="course_not_found")
    return course


def platform_for_user(*, user) -> Platform | None:
    """The active platform this user is the integration user of, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Platform.objects.filter(user=user, is_active=True).first()


def card_figures_by_wave(*, now=None) -> list[dict]:
    """Per wave with cards: cards issued, with a first purchase, revoked (by the clock, whether
    or not the job has recorded it yet), the balance the program took back (recorded
    revocations) and the balance still on cards. Newest wave first."""
    now = now or clock.now()
    revoked = Q(revoked_at__isnull=False) | Q(
        first_purchase_at__isnull=True, first_purchase_deadline__lte=now
    )
    rows = (
        Card.objects.values("application__wave__number")
        .annotate(
            issued=Count("id"),
            bought=Count("id", filter=Q(first_purchase_at__isnull=False)),
            revoked=Count("id", filter=revoked),
            returned=Sum("initial_balance", filter=Q(revoked_at__isnull=False), default=0),
            balance=Sum("balance", filter=~revoked, default=0),
        )
        .order_by("-application__wave__number")
    )
    return [
        {
            "wave": row["application__wave__number"],
            "issued": row["issued"],
            "bought": row["bought"],
            "revoked": row["revoked"],
            "returned": row["returned"],
            "balance": row["balance"],
        }
        for row in rows
    ]


def purchase_counts_by_status(*, platform: Platform) -> dict[str, int]:
    counts = dict.fromkeys(PurchaseStatus.values, 0)
    for row in (
        Purchase.objects.filter(course__platform=platform)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[row["status"]] = row["n"]
    return counts


# --- Pages: the participant's dashboard panel, the PMO's training page ----------------------------


def participant_training_summary(*, user) -> dict | None:
    """The card panel of the dashboard: the card with its status and usable balance as of now,
    and the participant's next step as a code (`card_revoked`, `card_expired`, `buy_first`,
    `give_voucher`, `finish_training`, `write_review`, `buy_more`) or None. None without a card
    (before the results are published). Two queries."""
    card = card_for_participant(user=user)
    if card is None:
        return None
    now = clock.now()
    status = card.status_at(now)
    purchases = list(
        Purchase.objects.filter(card=card)
        .exclude(status=PurchaseStatus.CANCELLED)
        .select_related("review")
        .only("status", "review__id")
    )
    step = None
    if status == CardStatus.REVOKED:
        step = "card_revoked"
    elif any(p.status == PurchaseStatus.COMPLETED and not hasattr(p, "review") for p in purchases):
        step = "write_review"
    elif status == CardStatus.EXPIRED:
        step = "card_expired"
    elif not purchases:
        step = "buy_first"
    elif any(p.status == PurchaseStatus.PAID for p in purchases):
        step = "give_voucher"
    elif any(p.status == PurchaseStatus.REDEEMED for p in purchases):
        step = "finish_training"
    elif card.balance > 0:
        step = "buy_more"
    return {
        "card": card,
        "status": status,
        "balance": 0 if status == CardStatus.REVOKED else card.balance,
        "next_step": step,
    }


def purchase_of_course(*, user, course: Course) -> Purchase | None:
    """The participant's purchase of `course` that is not cancelled, if any (the course page
    then points at the voucher instead of offering to buy again)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Purchase.objects.filter(card__participant=user, course=course)
        .exclude(status=PurchaseStatus.CANCELLED)
        .first()
    )


def courses_for_moderation(*, status: str = CourseStatus.PENDING, limit: int = 50) -> list[Course]:
    """Courses in one review state for the PMO, oldest first (the queue), with platform and
    institution loaded."""
    return list(
        Course.objects.filter(status=status)
        .select_related("platform", "institution")
        .order_by("created_at", "id")[:limit]
    )


def platforms_overview() -> list[Platform]:
    """Every platform (suspended ones too) with its course counts by review state and its
    vouchers sold and completed, for the PMO. One query."""
    return list(
        Platform.objects.annotate(
            courses_approved=Count(
                "courses", filter=Q(courses__status=CourseStatus.APPROVED), distinct=True
            ),
            courses_pending=Count(
                "courses", filter=Q(courses__status=CourseStatus.PENDING), distinct=True
            ),
            vouchers=Count(
                "courses__purchases",
                filter=~Q(courses__purchases__status=PurchaseStatus.CANCELLED),
            ),
            completions=Count(
                "courses__purchases",
                filter=Q(courses__purchases__status=PurchaseStatus.COMPLETED),
            ),
        ).order_by("name")
    )


# --- Certificates --------------------------------------------------------------------------------
# A visitor's look-ups that find nothing, per hour: enough for an employer's typos, too few to
# try numbers in bulk (the numbers are random; this keeps it that way in practice).
CERTIFICATE_MISSES_PER_HOUR = 30
CERTIFICATE_NUMBER_RE = re.compile(r"[A-Z0-9-]{1,32}")


def _certificates() -> QuerySet[Certificate]:
    # Everything the verification page, the API and the PDF show, in one query, and only that:
    # the public check is the hottest read of a certificate (p95 target 20 ms).
    return (
        Certificate.objects.select_related(
            "purchase__course__platform",
            "purchase__course__institution",
            "purchase__card__participant__identity",
        )
        .only(
            "number",
            "issued_at",
            "purchase__completed_at",
            "purchase__score",
            "purchase__course__title",
            "purchase__course__hours",
            "purchase__course__platform__name",
            "purchase__course__institution__name",
            "purchase__card__participant__username",
            "purchase__card__participant__full_name",
            "purchase__card__participant__identity__full_name",
        )
        .order_by()
    )


def normalize_certificate_number(number: str) -> str:
    """Certificate numbers (`PRK-2026-AB23...`) typed in any case, with stray spaces; anything
    that cannot be one becomes "" (found nowhere), so no odd character reaches the query."""
    number = "".join((number or "").split()).upper()
    return number if CERTIFICATE_NUMBER_RE.fullmatch(number) else ""


def certificate_get_public(*, number: str) -> Certificate:
    """A certificate by its number (typed in any case, with stray spaces); 404
    `certificate_not_found` otherwise."""
    certificate = _certificates().filter(number=normalize_certificate_number(number)).first()
    if certificate is None:
        raise NotFound(_("No certificate has this number."), code="certificate_not_found")
    return certificate


def certificate_for_visitor(*, number: str, ip: str) -> Certificate:
    """`certificate_get_public` for an anonymous visitor: a miss counts against the visitor's
    address (429 `rate_limited` past CERTIFICATE_MISSES_PER_HOUR)."""
    try:
        return certificate_get_public(number=number)
    except NotFound:
        rate_limit(
            key=f"training:certificate-miss:{ip}", limit=CERTIFICATE_MISSES_PER_HOUR, period=3600
        )
        raise


def certificate_get_for_actor(*, actor, number: str) -> Certificate:
    """The actor's own certificate (they hold the card it was bought with); 404
    `certificate_not_found` for anyone else's, as for a number that does not exist."""
    certificate = (
        _certificates()
        .filter(number=normalize_certificate_number(number), purchase__card__participant=actor)
        .first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if certificate is None:
        raise NotFound(_("No certificate has this number."), code="certificate_not_found")
    return certificate


# --- For contact-center agents -------------------------------------------------------------------
AGENT_PURCHASES_SHOWN = 20


def _mask_voucher(code: str) -> str:
    """A voucher code is a bearer token at its platform: agents see enough to tell vouchers
    apart and confirm one with the participant, never enough to redeem it."""
    return code[:4] + "*" * max(len(code) - 8, 0) + code[-4:]


def training_summary_for_agent(*, user) -> dict:
    """The participant's card and trainings as an agent may see them (helpdesk requester panel):
    the card number and voucher codes masked, and nothing before the wave's results are
    published (the card does not exist for the participant yet). Two queries.

    Keys: `card` (None, or `number_masked`, `status` (active | revoked | expired, as of now),
    `status_label`, `balance` (0 once revoked), `initial_balance`, `wave`, `issued_at`,
    `first_purchase_deadline`, `first_purchase_at`, `valid_until`, `revoked_at`), `purchases`
    (newest first, at most AGENT_PURCHASES_SHOWN: `voucher_masked`, `course`, `platform`,
    `institution`, `price`, `status`, `status_label`, `purchased_at`, `redeemed_at`,
    `completed_at`, `cancelled_at`, `score`, `certificate` (None or `number`, `issued_at`),
    `reviewed`), `purchase_count`, `completed_count`, `certificate_count`."""
    card = card_for_participant(user=user)
    summary = {
        "card": None,
        "purchases": [],
        "purchase_count": 0,
        "completed_count": 0,
        "certificate_count": 0,
    }
    if card is None:
        return summary
    status = card.status_at(clock.now())
    summary["card"] = {
        "number_masked": mask_nik(card.number),
        "status": status,
        "status_label": CardStatus(status).label,
        "balance": 0 if status == CardStatus.REVOKED else card.balance,
        "initial_balance": card.initial_balance,
        "wave": card.application.wave.number,
        "issued_at": card.issued_at,
        "first_purchase_deadline": card.first_purchase_deadline,
        "first_purchase_at": card.first_purchase_at,
        "valid_until": card.valid_until,
        "revoked_at": card.revoked_at,
    }
    purchases = list(
        Purchase.objects.filter(card=card)
        .select_related("course__platform", "course__institution", "certificate", "review")
        .order_by("-purchased_at", "-id")[: AGENT_PURCHASES_SHOWN + 1]
    )
    for purchase in purchases[:AGENT_PURCHASES_SHOWN]:
        certificate = getattr(purchase, "certificate", None)
        summary["purchases"].append(
            {
                "voucher_masked": _mask_voucher(purchase.voucher_code),
                "course": purchase.course.title,
                "platform": purchase.course.platform.name,
                "institution": purchase.course.institution.name,
                "price": purchase.price,
                "status": purchase.status,
                "status_label": purchase.get_status_display(),
                "purchased_at": purchase.purchased_at,
                "redeemed_at": purchase.redeemed_at,
                "completed_at": purchase.completed_at,
                "cancelled_at": purchase.cancelled_at,
                "score": purchase.score,
                "certificate": {"number": certificate.number, "issued_at": certificate.issued_at}
                if certificate
                else None,
                "reviewed": hasattr(purchase, "review"),
            }
        )
    if len(purchases) > AGENT_PURCHASES_SHOWN:
        counts = Purchase.objects.filter(card=card).aggregate(
            purchase_count=Count("id"),
            completed_count=Count("id", filter=Q(status=PurchaseStatus.COMPLETED)),
            certificate_count=Count("certificate"),
        )
    else:
        counts = {
            "purchase_count": len(purchases),
            "completed_count": sum(p.status == PurchaseStatus.COMPLETED for p in purchases),
            "certificate_count": sum(p["certificate"] is not None for p in summary["purchases"]),
        }
    summary.update(counts)
    return summary
