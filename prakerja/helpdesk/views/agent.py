"""The agent's actions on a ticket (reply or note, fields, take it), the collision poll, canned
responses, presence, the supervisor page with the roster import and that import in the PMO
console. With htmx they answer with the inbox's conversation pane (views/inbox.py); every action
also works as a plain form post."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prakerja.core import clock
from prakerja.core.errors import DomainError, NotFound, ValidationFailed
from prakerja.core.roles import Role, has_role, role_required

from .. import selectors, services
from ..forms import AgentReplyForm, RosterImportForm, TicketUpdateForm
from ..models import MessageKind
from .inbox import (
    agent_required,
    is_htmx,
    render_conversation,
    render_page,
    render_ticket_main,
    ticket_for_agent,
)


@agent_required
@require_POST
def ticket_reply(request, reference):
    ticket = ticket_for_agent(request, reference)
    form = AgentReplyForm(request.POST)
    warning = None
    if form.is_valid():
        data = form.cleaned_data
        newer = selectors.new_messages_since(
            ticket, since_id=data["seen"] or 0, viewer=request.user
        )
        newer_replies = [m for m in newer if m.kind == MessageKind.PUBLIC and not m.from_requester]
        if newer_replies and not data["confirm"]:
            # Collision guard: someone else answered since this agent loaded the ticket.
            warning = _(
                "%(name)s replied after you opened this ticket. Read their reply, then send "
                "again to confirm."
            ) % {"name": newer_replies[-1].author_name or _("Another agent")}
            form = AgentReplyForm(
                initial={**data, "confirm": True, "seen": data["seen"]}, data=None
            )
        else:
            try:
                services.ticket_reply(
                    ticket=ticket,
                    author=request.user,
                    body=data["body"],
                    internal=data["internal"],
                    client_msg_id=data["client_msg_id"] or None,
                )
            except ValidationFailed as exc:
                form.add_error("body", exc.errors.get("body", [exc.message])[0])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if not is_htmx(request):
                    messages.success(request, _("Sent."))
                    return redirect("helpdesk:agent_ticket", reference=ticket.reference)
                ticket.refresh_from_db()
                form = None
    ticket = ticket_for_agent(request, reference)
    if is_htmx(request):
        return render_ticket_main(request, ticket, reply_form=form, warning=warning)
    status = 409 if warning else 422
    return render_page(request, ticket, status=status, reply_form=form, warning=warning)


@agent_required
@require_POST
def ticket_update(request, reference):
    ticket = ticket_for_agent(request, reference)
    form = TicketUpdateForm(
        request.POST,
        assignees=selectors.assignable_agents()
        if has_role(request.user, Role.SUPERVISOR)
        else None,
    )
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_update(
                ticket=ticket,
                actor=request.user,
                status=data["status"],
                category_slug=data["category"],
                priority=data["priority"],
                # not posted: left as it is (a form without the field, an API-like client)
                assignee=data["assignee"] if "assignee" in request.POST else None,
            )
        except ValidationFailed as exc:
            for field, errs in exc.errors.items():
                for err in errs:
                    form.add_error(field if field in form.fields else None, err)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            if not is_htmx(request):
                messages.success(request, _("Saved."))
                return redirect("helpdesk:agent_ticket", reference=ticket.reference)
            form = None
    ticket = ticket_for_agent(request, reference)
    if is_htmx(request):
        return render_ticket_main(request, ticket, update_form=form)
    return render_page(request, ticket, status=status, update_form=form)


@agent_required
@require_POST
def ticket_claim(request, reference):
    ticket = ticket_for_agent(request, reference)
    try:
        ticket = services.ticket_claim(ticket=ticket, agent=request.user)
    except DomainError as exc:
        if not is_htmx(request):
            messages.error(request, exc.message)
            return redirect("helpdesk:agent_ticket", reference=ticket.reference)
        return render_conversation(request, ticket_for_agent(request, reference), error=exc.message)
    if is_htmx(request):
        return render_conversation(request, ticket_for_agent(request, reference))
    return redirect("helpdesk:agent_ticket", reference=ticket.reference)


@agent_required
@require_GET
def ticket_updates(request, reference):
    """htmx poll: warn when someone else wrote on the ticket since it was loaded."""
    ticket = ticket_for_agent(request, reference)
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        since = 0
    newer = selectors.new_messages_since(ticket, since_id=since, viewer=request.user)
    return render(request, "helpdesk/agent/_updates.html", {"newer": newer, "ticket": ticket})


@agent_required
@require_GET
def canned_fill(request, reference, pk):
    """htmx: the reply box filled with a canned response for this ticket."""
    ticket = ticket_for_agent(request, reference)
    try:
        canned = selectors.canned_response_get_active(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    body = services.canned_render(canned=canned, ticket=ticket, agent=request.user)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@agent_required
@require_POST
def presence(request):
    status = request.POST.get("status", "")
    try:
        services.presence_set(agent=request.user, status=status)
    except ValidationFailed as exc:
        if is_htmx(request):
            return HttpResponse(str(exc.message), status=422)
        messages.error(request, exc.message)
    if is_htmx(request):
        return HttpResponse(status=204)
    next_url = request.POST.get("next", "")
    # Back to the page the form was on, never to another site (an open redirect).
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("helpdesk:workspace")
    return redirect(next_url)


@agent_required
@require_POST
def heartbeat(request):
    presence = services.presence_heartbeat(agent=request.user)
    return JsonResponse({"status": selectors.effective_presence(presence)})


ROSTER_MAX_BYTES = 2 * 1024 * 1024


def _roster_post(request) -> RosterImportForm | None:
    """Import the uploaded roster through `roster_import_csv`: None once imported (the caller
    redirects), else the form with the errors."""
    form = RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    raw = form.cleaned_data["file"].read(ROSTER_MAX_BYTES + 1)
    try:
        if len(raw) > ROSTER_MAX_BYTES:
            raise ValidationFailed(errors={"file": [_("The file is too large.")]})
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(errors={"file": [_("The file must be UTF-8 CSV.")]}) from exc
        result = services.roster_import_csv(text=text, actor=request.user)
    except ValidationFailed as exc:
        for err in exc.errors.get("file", [exc.message]):
            form.add_error("file", err)
        return form
    messages.success(
        request, _("Roster imported: %(created)d added, %(skipped)d already there.") % result
    )
    return None


def _roster_page(request, *, template: str, context: dict, redirect_to: str):
    form, status = RosterImportForm(), 200
    if request.method == "POST":
        form = _roster_post(request)
        if form is None:
            return redirect(redirect_to)
        status = 422
    return render(request, template, {**context, "form": form}, status=status)


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def supervisor(request):
    return _roster_page(
        request,
        template="helpdesk/agent/supervisor.html",
        context={"board": selectors.supervisor_board()},
        redirect_to="helpdesk:supervisor",
    )


@role_required(Role.PMO_ADMIN)
@require_http_methods(["GET", "POST"])
def pmo_roster(request):
    """The roster upload in the PMO console, with the coming week's roster per shift."""
    return _roster_page(
        request,
        template="helpdesk/pmo_roster.html",
        context={"week": selectors.roster_days(start=clock.local_now().date(), days=7)},
        redirect_to="helpdesk:pmo_roster",
    )
