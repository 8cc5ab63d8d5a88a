"""The agent inbox (`/agen/`): one screen for every channel. The list (ticket queues and the
channels' own lists, `helpdesk.inbox.sources`), the conversation loaded into the middle by htmx
(`/agen/tiket/<reference>/`, also a full page with the list beside it) and the requester's panel.
Live updates come over the agent websocket (static/helpdesk/inbox.js)."""

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from prakerja.core import clock
from prakerja.core.errors import NotFound
from prakerja.core.roles import CONTACT_CENTER_ROLES, Role, has_role, role_required

from .. import inbox, selectors, services
from ..forms import AgentReplyForm, TicketUpdateForm
from ..models import PresenceStatus, Ticket
from ..references import normalize_reference

agent_required = role_required(*CONTACT_CENTER_ROLES)

# What the browser script shows; translated here (no strings in static files).
STRINGS = {
    "connected": gettext_lazy("Connected"),
    "reconnecting": gettext_lazy("Connection lost. Reconnecting…"),
    "new_chat": gettext_lazy("New chat"),
    "new_ticket": gettext_lazy("A ticket was assigned to you"),
    "new_message": gettext_lazy("New message"),
    "call": gettext_lazy("Incoming call"),
    "open": gettext_lazy("Open"),
    "typing": gettext_lazy("Typing…"),
    "ended": gettext_lazy("The chat has ended."),
    "end_confirm": gettext_lazy("End this chat and resolve the ticket?"),
    "sending": gettext_lazy("Sending…"),
    "participant": gettext_lazy("Participant"),
    "agent": gettext_lazy("Agent"),
}


def ticket_for_agent(request, reference) -> Ticket:
    try:
        return selectors.ticket_get_for_agent(user=request.user, reference=reference)
    except NotFound as exc:
        raise Http404 from exc


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _filters(request) -> dict:
    return {
        "queue": request.GET.get("queue", "mine"),
        "channel": request.GET.get("channel", ""),
    }


def _list_context(request, *, query: str = "") -> dict:
    filters = _filters(request)
    listing = selectors.inbox_list(
        user=request.user, query=query, after=request.GET.get("after", ""), **filters
    )
    keep = {"queue": listing["queue"] or "mine", "channel": listing["channel"]}
    return {
        **listing,
        "keep": urlencode(keep),
        "list_url": reverse("helpdesk:workspace") + "?" + urlencode({**keep, "q": query}),
        "channels": selectors.channel_filters(),
        "count_cap": selectors.COUNT_CAP,
    }


def _page_context(request, *, query: str = "") -> dict:
    return {
        **_list_context(request, query=query),
        "presence": selectors.presence_status_for(agent=request.user),
        "presence_choices": PresenceStatus.choices,
        "socket_path": inbox.socket.path,
        "strings": {k: str(v) for k, v in STRINGS.items()},
    }


def conversation_context(
    request, ticket, *, reply_form=None, update_form=None, warning=None, error=None
):
    """The middle and right panes for one ticket: thread, reply and note, fields, the channel's
    extras (a live chat's composer), the requester's program status and earlier contacts."""
    thread = list(ticket.messages.select_related("author").order_by("created_at", "id"))
    is_supervisor = has_role(request.user, Role.SUPERVISOR)
    assignees = None
    if is_supervisor:
        assignees = selectors.assignable_agents()
        if ticket.assignee_id and ticket.assignee not in assignees:
            assignees.append(ticket.assignee)
    extras = inbox.extras_for(user=request.user, ticket=ticket)
    return {
        "ticket": ticket,
        "thread": thread,
        "last_seen_id": thread[-1].pk if thread else 0,
        "attachments": list(ticket.attachments.all()),
        "reply_form": reply_form or AgentReplyForm(initial={"client_msg_id": uuid.uuid4().hex}),
        "update_form": update_form
        or TicketUpdateForm(
            assignees=assignees,
            initial={
                "status": ticket.status,
                "category": ticket.category.slug,
                "priority": ticket.priority,
                "assignee": ticket.assignee.get_username() if ticket.assignee_id else "",
            },
        ),
        "extras": extras,
        "notes_only": any(e.replaces_reply for e in extras),
        "canned": selectors.canned_responses_active(),
        "history": selectors.requester_history(ticket),
        "summary": selectors.requester_summary(ticket),
        "training": selectors.requester_training(ticket),
        "warning": warning,
        "error": error,
        "now": clock.now(),
        "is_supervisor": is_supervisor,
        "assignees": assignees,
        "keep": urlencode(_filters(request)),
    }


def render_conversation(request, ticket, *, changed=True, push=False, **kwargs) -> HttpResponse:
    """The conversation pane. `changed`: after an action, the list refreshes too; `push`: the
    browser's address becomes the ticket's (it was opened by something other than its link)."""
    response = render(
        request,
        "helpdesk/agent/_conversation.html",
        conversation_context(request, ticket, **kwargs),
    )
    if changed:
        response["HX-Trigger"] = "inbox-refresh"
    if push:
        response["HX-Push-Url"] = reverse("helpdesk:agent_ticket", args=[ticket.reference])
    return response


def render_ticket_main(request, ticket, **kwargs) -> HttpResponse:
    """The conversation's middle part after an htmx action (200 even for a refused one: htmx
    swaps only successful responses, and the form shows the error)."""
    response = render(
        request, "helpdesk/agent/_ticket_main.html", conversation_context(request, ticket, **kwargs)
    )
    response["HX-Trigger"] = "inbox-refresh"
    return response


def render_page(request, ticket, *, status=200, **kwargs) -> HttpResponse:
    """The whole inbox with this conversation open (a plain form post that needs an answer)."""
    context = {**_page_context(request), **conversation_context(request, ticket, **kwargs)}
    return render(request, "helpdesk/agent/inbox.html", context, status=status)


@agent_required
@require_GET
def workspace(request):
    """The inbox page; with htmx, the list pane alone (filters, refreshes, next page)."""
    query = request.GET.get("q", "").strip()
    if query:
        found = selectors.ticket_search(user=request.user, query=query)
        if len(found) == 1 and normalize_reference(query) == found[0].reference:
            if not is_htmx(request):
                return redirect("helpdesk:agent_ticket", reference=found[0].reference)
            # the search box targets the list: a reference opens its conversation instead
            ticket = ticket_for_agent(request, found[0].reference)
            response = render_conversation(request, ticket, changed=False, push=True)
            response["HX-Retarget"] = "#inbox-detail"
            response["HX-Reswap"] = "innerHTML"
            return response
    if is_htmx(request):
        return render(
            request, "helpdesk/agent/_inbox_list.html", _list_context(request, query=query)
        )
    return render(request, "helpdesk/agent/inbox.html", _page_context(request, query=query))


@agent_required
@require_GET
def ticket_page(request, reference):
    """One conversation: with htmx the middle and right panes; otherwise the whole inbox with
    this conversation open (a reload or a shared link lands on the same screen)."""
    ticket = ticket_for_agent(request, reference)
    if is_htmx(request):
        return render_conversation(request, ticket, changed=False)
    return render_page(request, ticket)


@agent_required
@require_POST
def claim_next(request):
    """ "Take next": the oldest ticket of the unassigned queue (the one its count counts)."""
    ticket = services.ticket_claim_next(agent=request.user)
    if ticket is None:
        text = _("Nothing to take: the queue is empty or you are at your limit.")
        if is_htmx(request):  # said in a notice: the open conversation stays
            response = HttpResponse(status=204)
            response["HX-Trigger"] = json.dumps({"inbox-notice": {"value": text}})
            return response
        messages.info(request, text)
        return redirect("helpdesk:workspace")
    if is_htmx(request):
        return render_conversation(request, ticket, push=True)
    return redirect("helpdesk:agent_ticket", reference=ticket.reference)
