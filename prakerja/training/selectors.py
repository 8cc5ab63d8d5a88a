"""Reads of the training journey. What a participant or a platform owns is fetched here with its
owner in the filter, so another owner's object is simply not found (404, never 403: a platform
learns nothing about another platform's vouchers)."""

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import NotFound

from .models import (
    Card,
    CardStatus,
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


def card_for_participant(*, user) -> Card | None:
    """The participant's card, once the wave's results are published (`issued_at` is the
    publication time); None before that or without a card."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Card.objects.select_related("application__wave")
        .filter(participant=user, issued_at__lte=clock.now())
        .first()
    )


def card_get_for_participant(*, user) -> Card:
    """`card_for_participant`, or 404 `no_card`."""
    card = card_for_participant(user=user)
    if card is None:
        raise NotFound(_("You have no Prakerja card."), code="no_card")
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
        courses = courses.filter(
            Q(title__icontains=word)
            | Q(institution__name__icontains=word)
            | Q(category__icontains=word)
        )
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
