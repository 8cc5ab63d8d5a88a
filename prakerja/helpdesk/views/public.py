"""Public pages: the complaint form (Formulir Pengaduan), tracking, participants' own tickets,
the knowledge base, and access-checked attachment downloads."""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from prakerja.core.errors import Conflict, NotFound, ValidationFailed
from prakerja.core.ratelimit import Limit, client_ip, rate_limit, rate_limits
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from .. import selectors, services
from ..forms import ComplaintForm, RequesterReplyForm, TrackForm
from ..models import Attachment, Channel, Ticket
from ..references import normalize_reference

logger = logging.getLogger(__name__)
# The references this browser proved it may see (it submitted them, or gave reference + e-mail):
# a signed cookie, so a guest's submission writes no session row. Short-lived, and cleared at
# log-out, so a shared computer does not keep showing someone's reports: after it, the requester
# gives the reference and e-mail again.
TRACKED_COOKIE = "hd_tracked"
TRACKED_SALT = "prakerja.helpdesk.tracked"
TRACKED_MAX_AGE = 2 * 3600


def _tracked(request) -> list[str]:
    raw = request.get_signed_cookie(
        TRACKED_COOKIE, default="", salt=TRACKED_SALT, max_age=TRACKED_MAX_AGE
    )
    return [r for r in raw.split(",") if r]


def _remember(request, response, reference: str):
    tracked = [reference, *[r for r in _tracked(request) if r != reference]][:20]
    response.set_signed_cookie(
        TRACKED_COOKIE,
        ",".join(tracked),
        salt=TRACKED_SALT,
        max_age=TRACKED_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def tracked_forget(*, request, response) -> None:
    """At log-out (accounts.hooks.logged_out): the browser forgets the reports it looked up."""
    response.delete_cookie(TRACKED_COOKIE, samesite="Lax")


def _can_see(request, ticket) -> bool:
    if request.user.is_authenticated and ticket.requester_id == request.user.pk:
        return True
    return ticket.reference in _tracked(request)


def intake_limits(*, ip: str, email: str) -> None:
    """Per-IP and per-e-mail limits on new reports (form and API), counted together."""
    period = settings.HELPDESK_INTAKE_PERIOD
    limits = [
        Limit(key=f"helpdesk:intake:ip:{ip}", limit=settings.HELPDESK_INTAKE_PER_IP, period=period)
    ]
    if email:
        # Hashed: a bounded key, and no e-mail address in the cache.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        limits.append(
            Limit(
                key=f"helpdesk:intake:email:{digest}",
                limit=settings.HELPDESK_INTAKE_PER_EMAIL,
                period=period,
            )
        )
    rate_limits(limits=limits)


def tracking_limits(*, ip: str) -> None:
    """Per-IP limit on reference + e-mail guesses: tracking (page and API) and requester replies
    share one counter."""
    rate_limit(
        key=f"helpdesk:track:ip:{ip}",
        limit=settings.HELPDESK_TRACK_PER_IP,
        period=600,
    )


@require_http_methods(["GET", "POST"])
def complaint_form(request):
    """The complaint form: the Django form checks the fields, `services.ticket_create` holds
    every rule of a report (the API's too) and stores the ticket with its attachment; its
    errors are shown on the form's fields."""
    user = request.user if request.user.is_authenticated else None
    initial = {"category": request.GET.get("category", "other")}
    if user is not None:
        initial.update(
            name=user.get_full_name(), email=user.email, phone=getattr(user, "phone", "")
        )
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        logged_in=user is not None,
    )
    suggestions = []
    if request.method == "POST":
        if request.POST.get("website"):  # honeypot: hidden from people, filled by bots
            logger.info("helpdesk honeypot filled", extra={"ip": client_ip(request)})
            form.add_error(None, _("Your report could not be sent. Please try again."))
        else:
            email = request.POST.get("email", "")
            intake_limits(ip=client_ip(request), email=email or (user.email if user else ""))
            if form.is_valid():
                data = form.cleaned_data
                try:
                    ticket = services.ticket_create(
                        channel=Channel.WEB,
                        subject=data["subject"],
                        description=data["description"],
                        category_slug=data["category"],
                        requester=user,
                        name=data["name"],
                        email=data["email"],
                        phone=data["phone"],
                        attachment=data["attachment"],
                    )
                except ValidationFailed as exc:
                    form.apply_errors(exc.errors)
                else:
                    return _remember(
                        request,
                        redirect("helpdesk:complaint_done", reference=ticket.reference),
                        ticket.reference,
                    )
        suggestions = selectors.articles_suggested(
            text=f"{request.POST.get('subject', '')} {request.POST.get('description', '')}",
            category_slug=request.POST.get("category", ""),
        )
    return render(
        request,
        "helpdesk/complaint_form.html",
        {"form": form, "suggestions": suggestions},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def suggestions(request):
    """htmx: knowledge-base articles matching what is typed in the form."""
    found = selectors.articles_suggested(
        text=f"{request.GET.get('subject', '')} {request.GET.get('description', '')}",
        category_slug=request.GET.get("category", ""),
    )
    return render(request, "helpdesk/_suggestions.html", {"suggestions": found})


@require_GET
def complaint_done(request, reference):
    try:
        ticket = _tracked_ticket(request, reference)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "helpdesk/complaint_done.html", {"ticket": ticket})


def _tracked_ticket(request, reference):
    """The ticket if this browser looked it up (reference + e-mail) or the user owns it."""
    ticket = (
        Ticket.objects.select_related("category")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if ticket is None or not _can_see(request, ticket):
        raise NotFound()
    return ticket


@require_http_methods(["GET", "POST"])
def track(request):
    form = TrackForm(request.POST or None, initial={"reference": request.GET.get("reference", "")})
    if request.method == "POST" and form.is_valid():
        tracking_limits(ip=client_ip(request))
        try:
            ticket = selectors.ticket_get_for_tracking(
                reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
            )
        except NotFound:
            form.add_error(
                None,
                _("We could not find a report with this reference number and e-mail address."),
            )
        else:
            return _remember(
                request,
                redirect("helpdesk:track_detail", reference=ticket.reference),
                ticket.reference,
            )
    return render(
        request,
        "helpdesk/track.html",
        {"form": form},
        status=404
        if request.method == "POST" and form.errors.get("__all__")
        else (422 if request.method == "POST" and form.errors else 200),
    )


@require_http_methods(["GET", "POST"])
def track_detail(request, reference):
    try:
        ticket = _tracked_ticket(request, reference)
    except NotFound as exc:
        raise Http404 from exc
    form = RequesterReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.ticket_requester_reply(
                    ticket=ticket,
                    body=form.cleaned_data["body"],
                    author=request.user if request.user.is_authenticated else None,
                )
            except ValidationFailed as exc:
                form.add_error("body", exc.errors.get("body", [exc.message])[0])
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("helpdesk:track_detail", reference=ticket.reference)
        status = 422
    return render(
        request,
        "helpdesk/track_detail.html",
        {
            "ticket": ticket,
            "messages_public": selectors.public_messages(ticket).select_related("author"),
            "attachments": ticket.attachments.all(),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def my_tickets(request):
    return render(
        request,
        "helpdesk/my_tickets.html",
        {"tickets": selectors.tickets_for_requester(user=request.user)},
    )


@require_GET
def attachment_download(request, pk):
    """Stream an attachment to someone who may see its ticket (requester or contact center)."""
    attachment = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    if not (has_role(request.user, *CONTACT_CENTER_ROLES) or _can_see(request, attachment.ticket)):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.content_type == "application/pdf",
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def kb_index(request):
    query = request.GET.get("q", "")
    category = request.GET.get("category", "")
    return render(
        request,
        "helpdesk/kb_index.html",
        {
            "articles": selectors.articles_published(category_slug=category, query=query),
            "categories": selectors.active_categories(),
            "query": query,
            "category": category,
        },
    )


@require_GET
def kb_article(request, slug):
    try:
        article = selectors.article_get_published(slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "helpdesk/kb_article.html",
        {"article": article, "form_url": reverse("helpdesk:complaint")},
    )
