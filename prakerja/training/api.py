"""The training journey under /api/v1: the participant's card and purchases, the public catalog
and certificate check, and the partner API the platforms call with their integration user's token.

Partner endpoints act for the caller's platform only: another platform's voucher or course is
not found (404), and a caller that is not a platform's integration user is refused (403)."""

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from prakerja.core import clock
from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden
from prakerja.core.idempotency import idempotent
from prakerja.core.ratelimit import client_ip
from prakerja.core.roles import Role, has_role

from . import selectors, services
from .certificates import holder_name, mask_name
from .models import CardStatus, CourseMode, Platform

router = Router(tags=["training"])

CATALOG_PAGE_SIZE = 20
CATALOG_PAGE_SIZE_MAX = 100


def _participant(request):
    if not has_role(request.auth, Role.PARTICIPANT):
        raise Forbidden(_("Only participants have a Kartu Prakerja."), code="not_a_participant")
    return request.auth


def _platform(request) -> Platform:
    platform = selectors.platform_for_user(user=request.auth)
    if platform is None:
        raise Forbidden(
            _("Only a partner platform's integration user can call this."), code="not_a_platform"
        )
    return platform


# --- The participant's card and purchases --------------------------------------------------------


class CardOut(Schema):
    number: str
    status: str = Field(description="active | revoked | expired, as of now")
    balance: int = Field(description="rupiah; 0 once revoked (the balance went back)")
    initial_balance: int
    first_purchase_deadline: datetime
    valid_until: datetime
    wave: int


@router.get(
    "/me/card",
    response={200: CardOut, **errors(401, 403, 404)},
    auth=SESSION_OR_TOKEN,
    summary="My Prakerja card (from the publication of my wave's results)",
    description="404 `no_card` before selection results are published or when not selected; "
    "403 `not_a_participant`.",
)
def my_card(request):
    card = selectors.card_get_for_participant(user=_participant(request))
    status = card.status_at(clock.now())
    return CardOut(
        number=card.number,
        status=status,
        balance=0 if status == CardStatus.REVOKED else card.balance,
        initial_balance=card.initial_balance,
        first_purchase_deadline=card.first_purchase_deadline,
        valid_until=card.valid_until,
        wave=card.application.wave.number,
    )


class PurchaseOut(Schema):
    voucher_code: str
    course: int
    course_title: str
    platform: str
    price: int
    status: str = Field(description="paid | redeemed | completed | cancelled")
    purchased_at: datetime
    redeemed_at: datetime | None
    completed_at: datetime | None
    certificate_number: str | None
    reviewed: bool


def _purchase_out(purchase) -> PurchaseOut:
    certificate = getattr(purchase, "certificate", None)
    return PurchaseOut(
        voucher_code=purchase.voucher_code,
        course=purchase.course_id,
        course_title=purchase.course.title,
        platform=purchase.course.platform.slug,
        price=purchase.price,
        status=purchase.status,
        purchased_at=purchase.purchased_at,
        redeemed_at=purchase.redeemed_at,
        completed_at=purchase.completed_at,
        certificate_number=certificate.number if certificate else None,
        reviewed=hasattr(purchase, "review"),
    )


@router.get(
    "/me/purchases",
    response={200: list[PurchaseOut], **errors(401, 403)},
    auth=SESSION_OR_TOKEN,
    summary="My purchases (vouchers), newest first",
)
def my_purchases(request):
    return [
        _purchase_out(p)
        for p in selectors.purchases_for_participant(user=_participant(request))[:200]
    ]


class PurchaseIn(Schema):
    course: StrictInt


class PurchaseCreatedOut(Schema):
    voucher_code: str
    balance: int = Field(description="the card's balance after the purchase (rupiah)")
    course: int
    price: int


@router.post(
    "/me/purchases",
    response={201: PurchaseCreatedOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Buy a training with my card's balance",
    description="409 `no_card`, `card_revoked`, `card_expired`, `course_unavailable`, "
    "`already_bought`, `insufficient_balance`; 404 `course_not_found`.",
)
@idempotent("training.purchase_create")
def purchase_create(request, payload: PurchaseIn):
    participant = _participant(request)
    course = selectors.course_get(course_id=payload.course)
    purchase = services.purchase_create(participant=participant, course=course)
    return Status(
        201,
        PurchaseCreatedOut(
            voucher_code=purchase.voucher_code,
            balance=purchase.card.balance,
            course=course.pk,
            price=purchase.price,
        ),
    )


@router.post(
    "/me/purchases/{voucher_code}/cancel",
    response={200: PurchaseOut, **errors(401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Cancel a purchase the platform has not redeemed; the price goes back to my card",
    description="409 `voucher_redeemed`, `already_cancelled`; 404 `voucher_not_found`.",
)
def purchase_cancel(request, voucher_code: str):
    participant = _participant(request)
    purchase = selectors.purchase_get_for_actor(actor=participant, voucher_code=voucher_code)
    return Status(
        200, _purchase_out(services.purchase_cancel(purchase=purchase, actor=participant))
    )


class ReviewIn(Schema):
    rating: StrictInt
    review: str


class ReviewOut(Schema):
    rating: int
    review: str
    created_at: datetime


@router.post(
    "/me/purchases/{voucher_code}/review",
    response={201: ReviewOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Rate (1-5) and review a training I completed",
    description="409 `training_not_completed`, `already_reviewed`; 422 for a rating outside "
    "1-5 or an empty review; 404 `voucher_not_found`.",
)
def review_create(request, voucher_code: str, payload: ReviewIn):
    participant = _participant(request)
    purchase = selectors.purchase_get_for_actor(actor=participant, voucher_code=voucher_code)
    review = services.review_create(purchase=purchase, rating=payload.rating, text=payload.review)
    return Status(
        201, ReviewOut(rating=review.rating, review=review.text, created_at=review.created_at)
    )


# --- The public catalog --------------------------------------------------------------------------


class CourseItemOut(Schema):
    id: int
    title: str
    provider: str = Field(description="the training institution (lembaga pelatihan)")
    platform: str = Field(description="the platform's code (slug)")
    platform_name: str
    price: int
    mode: str
    category: str
    hours: int
    rating: float | None
    rating_count: int


def _course_item(course) -> dict:
    return {
        "id": course.pk,
        "title": course.title,
        "provider": course.institution.name,
        "platform": course.platform.slug,
        "platform_name": course.platform.name,
        "price": course.price,
        "mode": course.mode,
        "category": course.category,
        "hours": course.hours,
        "rating": course.rating,
        "rating_count": course.rating_count,
    }


class CatalogOut(Schema):
    items: list[CourseItemOut]
    count: int
    page: int
    page_size: int


class CatalogQuery(Schema):
    q: str = Field("", max_length=100)
    category: str = Field("", max_length=60)
    mode: CourseMode | None = None
    platform: str = Field("", max_length=40)
    price_max: int | None = Field(None, ge=0)
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(CATALOG_PAGE_SIZE, ge=1, le=CATALOG_PAGE_SIZE_MAX)


@router.get(
    "/courses",
    response={200: CatalogOut, **errors(422)},
    summary="Search the catalog (approved trainings)",
    description="`q` matches words in the title, institution or category; filters by category, "
    "mode, platform (code) and highest price; paginated by `page` and `page_size`.",
)
def catalog(request, filters: Query[CatalogQuery]):
    courses = selectors.catalog_search(
        q=filters.q,
        category=filters.category,
        mode=filters.mode or "",
        platform=filters.platform,
        price_max=filters.price_max,
    )
    start = (filters.page - 1) * filters.page_size
    return CatalogOut(
        items=[_course_item(c) for c in courses[start : start + filters.page_size]],
        count=courses.count(),
        page=filters.page,
        page_size=filters.page_size,
    )


class CourseReviewOut(Schema):
    rating: int
    review: str
    reviewer: str = Field(description="the reviewer's first name")
    created_at: datetime


class CourseOut(CourseItemOut):
    description: str
    schedule: str
    reviews: list[CourseReviewOut]


@router.get(
    "/courses/{course_id}",
    response={200: CourseOut, **errors(404, 422)},
    summary="A training of the catalog with its latest reviews",
    description="404 `course_not_found` for a course that is not approved.",
)
def course_detail(request, course_id: int):
    course = selectors.course_get_public(course_id=course_id)
    reviews = [
        CourseReviewOut(
            rating=r.rating,
            review=r.text,
            reviewer=r.purchase.card.participant.get_short_name(),
            created_at=r.created_at,
        )
        for r in selectors.course_reviews(course=course)
    ]
    return CourseOut(
        **_course_item(course),
        description=course.description,
        schedule=course.schedule,
        reviews=reviews,
    )


# --- Partner platforms ---------------------------------------------------------------------------


class CourseIn(Schema):
    title: str
    provider: str = Field(description="the training institution (lembaga pelatihan)")
    price: StrictInt = Field(description="rupiah")
    mode: str = Field(description="online | offline | blended")
    category: str
    description: str = ""
    hours: StrictInt
    schedule: str = Field("", description="schedule and place, for offline and blended")
    approved: bool = Field(
        False, description="honoured only where PRAKERJA_AUTO_APPROVE_COURSES is on"
    )


class PartnerCourseOut(Schema):
    id: int
    external_id: str
    title: str
    provider: str
    price: int
    mode: str
    category: str
    hours: int
    status: str = Field(description="pending | approved | rejected")


@router.put(
    "/partner/courses/{external_id}",
    response={200: PartnerCourseOut, 201: PartnerCourseOut, **errors(400, 401, 403, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Create (201) or update (200) one of my platform's courses",
    description="Visible in the catalog once the PMO approves it. 403 `not_a_platform`; 422 for "
    "bad fields.",
)
def partner_course_put(request, external_id: str, payload: CourseIn):
    platform = _platform(request)
    data = payload.dict(exclude={"approved"})
    course, created = services.course_upsert(
        platform=platform,
        external_id=external_id,
        data=data,
        approve=payload.approved and settings.PRAKERJA_AUTO_APPROVE_COURSES,
    )
    return Status(
        201 if created else 200,
        PartnerCourseOut(
            id=course.pk,
            external_id=course.external_id,
            title=course.title,
            provider=course.institution.name,
            price=course.price,
            mode=course.mode,
            category=course.category,
            hours=course.hours,
            status=course.status,
        ),
    )


class VoucherOut(Schema):
    voucher_code: str
    course: int
    external_id: str
    course_title: str
    participant_name: str
    status: str = Field(description="paid | redeemed | completed | cancelled")
    purchased_at: datetime
    redeemed_at: datetime | None
    completed_at: datetime | None


def _voucher_out(purchase) -> VoucherOut:
    return VoucherOut(
        voucher_code=purchase.voucher_code,
        course=purchase.course_id,
        external_id=purchase.course.external_id,
        course_title=purchase.course.title,
        participant_name=purchase.card.participant.get_full_name(),
        status=purchase.status,
        purchased_at=purchase.purchased_at,
        redeemed_at=purchase.redeemed_at,
        completed_at=purchase.completed_at,
    )


@router.get(
    "/partner/vouchers/{voucher_code}",
    response={200: VoucherOut, **errors(401, 403, 404, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Look up a voucher of one of my platform's courses",
    description="404 `voucher_not_found` (also for another platform's voucher); 403 "
    "`not_a_platform`.",
)
def partner_voucher(request, voucher_code: str):
    return _voucher_out(
        selectors.partner_purchase_get(platform=_platform(request), voucher_code=voucher_code)
    )


@router.post(
    "/partner/vouchers/{voucher_code}/redeem",
    response={200: VoucherOut, **errors(401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Redeem a participant's voucher (the training starts)",
    description="409 `voucher_redeemed` the second time, `voucher_cancelled`; 404 "
    "`voucher_not_found` (also for another platform's voucher); 403 `not_a_platform`.",
)
def partner_voucher_redeem(request, voucher_code: str):
    purchase = services.voucher_redeem(platform=_platform(request), voucher_code=voucher_code)
    return Status(200, _voucher_out(purchase))


class CompletionIn(Schema):
    completed_at: datetime
    score: StrictInt = Field(description="final score, 0-100")


class CompletionOut(Schema):
    certificate_number: str
    issued_at: datetime


@router.post(
    "/partner/vouchers/{voucher_code}/completion",
    response={201: CompletionOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Report a redeemed training completed; a certificate is issued",
    description="409 `voucher_not_redeemed`, `already_completed`; 422 for a time in the future "
    "or before redemption, a score outside 0-100; 404 `voucher_not_found`; 403 `not_a_platform`.",
)
def partner_voucher_completion(request, voucher_code: str, payload: CompletionIn):
    certificate = services.purchase_complete(
        platform=_platform(request),
        voucher_code=voucher_code,
        completed_at=payload.completed_at,
        score=payload.score,
    )
    return Status(
        201,
        CompletionOut(certificate_number=certificate.number, issued_at=certificate.issued_at),
    )


# --- Certificate check (public: employers) -----------------------------------------------------


class CertificateCheckOut(Schema):
    valid: bool
    number: str
    course: str
    provider: str
    platform: str
    issued_at: datetime
    holder: str


@router.get(
    "/certificates/{number}",
    response={200: CertificateCheckOut, **errors(404, 422, 429)},
    summary="Check a certificate (anonymous; the holder's name partly masked)",
    description="404 `certificate_not_found`; 429 `rate_limited` after too many unknown numbers "
    "from one address.",
)
def certificate_check(request, number: str):
    certificate = selectors.certificate_for_visitor(number=number, ip=client_ip(request))
    course = certificate.purchase.course
    return CertificateCheckOut(
        valid=True,
        number=certificate.number,
        course=course.title,
        provider=course.institution.name,
        platform=course.platform.name,
        issued_at=certificate.issued_at,
        holder=mask_name(holder_name(certificate)),
    )
