"""The training journey's pages: the catalog and course pages, buying (with a confirmation), the
participant's trainings (vouchers, cancel, review), the partner platform's page and the PMO's
page (catalog moderation, platforms, revocation figures per wave), and the public certificate
check with the holder's download. Reads through selectors, writes
through services; a refused action comes back as a message on the page it came from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prakerja.core import clock
from prakerja.core.errors import DomainError, NotFound
from prakerja.core.formatting import rupiah
from prakerja.core.ratelimit import client_ip
from prakerja.core.roles import Role, has_role, role_required

from . import selectors, services
from .certificates import certificate_pdf, holder_name, mask_name
from .hooks import partner_panels
from .models import CardStatus, CourseMode, CourseStatus, PurchaseStatus

CATALOG_PAGE_SIZE = 20
PARTNER_PAGE_SIZE = 50


def _course_or_404(course_id: int):
    try:
        return selectors.course_get_public(course_id=course_id)
    except NotFound as exc:
        raise Http404 from exc


def _purchase_or_404(request, voucher_code: str):
    try:
        return selectors.purchase_get_for_actor(actor=request.user, voucher_code=voucher_code)
    except NotFound as exc:
        raise Http404 from exc


def _card_context(user) -> dict:
    """The participant's card and whether it can buy now, for the course and buy pages."""
    card = selectors.card_for_participant(user=user) if has_role(user, Role.PARTICIPANT) else None
    status = card.status_at(clock.now()) if card else None
    return {"card": card, "card_status": status, "card_usable": status == CardStatus.ACTIVE}


@require_GET
def catalog(request):
    """Approved trainings, searchable and filtered by category, mode, platform and highest price.
    With htmx the filter form swaps only the results."""
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "category": request.GET.get("category", ""),
        "mode": request.GET.get("mode", ""),
        "platform": request.GET.get("platform", ""),
    }
    if filters["mode"] not in CourseMode.values:
        filters["mode"] = ""
    raw_price = request.GET.get("price_max", "").strip().replace(".", "")
    price_max = int(raw_price) if raw_price.isdigit() else None
    page = Paginator(
        selectors.catalog_search(**filters, price_max=price_max), CATALOG_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "filters": {**filters, "price_max": price_max if price_max is not None else ""},
        "page": page,
        "query": request.GET.copy(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "training/_catalog_results.html", context)
    context.update(
        categories=selectors.catalog_categories(),
        modes=CourseMode.choices,
        platforms=selectors.platforms_active(),
    )
    return render(request, "training/catalog.html", context)


@require_GET
def course_detail(request, course_id: int):
    course = _course_or_404(course_id)
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "reviews": selectors.course_reviews(course=course),
            "bought": selectors.purchase_of_course(user=request.user, course=course),
            **_card_context(request.user),
        },
    )


@role_required(Role.PARTICIPANT)
@require_http_methods(["GET", "POST"])
def course_buy(request, course_id: int):
    """GET: the confirmation (price, balance before and after). POST: the purchase."""
    course = _course_or_404(course_id)
    if request.method == "POST":
        try:
            purchase = services.purchase_create(participant=request.user, course=course)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("training:course", course_id=course.pk)
        messages.success(
            request,
            _("You bought %(title)s. Your voucher code: %(code)s")
            % {"title": course.title, "code": purchase.voucher_code},
        )
        return redirect("training:my_trainings")
    context = _card_context(request.user)
    card = context["card"]
    return render(
        request,
        "training/buy.html",
        {
            "course": course,
            **context,
            "balance_after": card.balance - course.price if card else None,
        },
    )


@role_required(Role.PARTICIPANT)
@require_GET
def my_trainings(request):
    return render(
        request,
        "training/my_trainings.html",
        {
            "summary": selectors.participant_training_summary(user=request.user),
            "purchases": list(selectors.purchases_for_participant(user=request.user)),
            "statuses": PurchaseStatus,
        },
    )


@role_required(Role.PARTICIPANT)
@require_POST
def purchase_cancel(request, voucher_code: str):
    purchase = _purchase_or_404(request, voucher_code)
    try:
        services.purchase_cancel(purchase=purchase, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Purchase cancelled; %(amount)s is back on your card.")
            % {"amount": rupiah(purchase.price)},
        )
    return redirect("training:my_trainings")


@role_required(Role.PARTICIPANT)
@require_POST
def purchase_review(request, voucher_code: str):
    purchase = _purchase_or_404(request, voucher_code)
    raw_rating = request.POST.get("rating", "")
    try:
        services.review_create(
            purchase=purchase,
            rating=int(raw_rating) if raw_rating.isdigit() else 0,
            text=request.POST.get("review", ""),
        )
    except DomainError as exc:
        details = [m for field_messages in exc.errors.values() for m in field_messages]
        messages.error(request, " ".join([str(exc.message), *map(str, details)]))
    else:
        messages.success(request, _("Thank you for your review."))
    return redirect("training:my_trainings")


@require_GET
def partner(request):
    """A partner platform's page for its integration user: its vouchers (filtered by status),
    redemptions and completions. Anyone else gets 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    platform = selectors.platform_for_user(user=request.user)
    if platform is None:
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status not in PurchaseStatus.values:
        status = ""
    page = Paginator(
        selectors.partner_purchases(platform=platform, status=status), PARTNER_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "training/partner.html",
        {
            "platform": platform,
            "counts": selectors.purchase_counts_by_status(platform=platform),
            "statuses": PurchaseStatus.choices,
            "status": status,
            "page": page,
            "panels": sorted(
                (p for p in partner_panels(platform=platform) if p is not None),
                key=lambda p: p.order,
            ),
        },
    )


@role_required(Role.PMO_ADMIN)
@require_GET
def pmo_training(request):
    """The PMO's page: courses waiting for review, every platform with its figures, and the
    cards per wave (issued, bought, revoked, balance returned)."""
    return render(
        request,
        "training/pmo.html",
        {
            "pending": selectors.courses_for_moderation(status=CourseStatus.PENDING),
            "platforms": selectors.platforms_overview(),
            "waves": selectors.card_figures_by_wave(),
        },
    )


@role_required(Role.PMO_ADMIN)
@require_POST
def course_moderate(request, course_id: int):
    try:
        course = selectors.course_get(course_id=course_id)
    except NotFound as exc:
        raise Http404 from exc
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
    else:
        services.course_moderate(course=course, approve=decision == "approve", actor=request.user)
        messages.success(
            request,
            (
                _("%(title)s is approved and in the catalog.")
                if decision == "approve"
                else _("%(title)s is rejected.")
            )
            % {"title": course.title},
        )
    return redirect("training:pmo")


# --- Certificates -------------------------------------------------------------------------------


@require_GET
def certificate_check(request):
    """The employer's form: a number typed in opens its verification page."""
    typed = request.GET.get("nomor", "")
    if not typed.strip():
        return render(request, "training/certificate_check.html")
    number = selectors.normalize_certificate_number(typed)
    if not number:  # cannot be a certificate number (and may not fit in a URL path)
        return render(
            request, "training/certificate_verify.html", {"number": typed[:40]}, status=404
        )
    return redirect("training:certificate_verify", number=number)


@require_GET
def certificate_verify(request, number: str):
    """The page a certificate's QR code opens: valid or not, with the holder's name masked."""
    try:
        certificate = selectors.certificate_for_visitor(number=number, ip=client_ip(request))
    except NotFound:
        return render(request, "training/certificate_verify.html", {"number": number}, status=404)
    return render(
        request,
        "training/certificate_verify.html",
        {
            "number": number,
            "certificate": certificate,
            "holder": mask_name(holder_name(certificate)),
        },
    )


@login_required
@require_GET
def certificate_download(request, number: str):
    """The holder's own certificate as a PDF; anyone else gets the same 404 as for a number that
    does not exist."""
    try:
        certificate = selectors.certificate_get_for_actor(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sertifikat-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
