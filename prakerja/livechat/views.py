"""Live chat pages and the widget's small JSON endpoints (same-origin, CSRF-checked).

The conversation itself runs over the websocket (consumers.py); these endpoints cover what comes
before it: availability, FAQ suggestions, deflection, starting a chat, leaving a message.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prakerja.core import clock
from prakerja.core.errors import (
    Conflict,
    DomainError,
    RateLimited,
    UnsupportedMediaType,
    ValidationFailed,
    error_body,
)
from prakerja.core.ratelimit import client_ip, rate_limit
from prakerja.core.roles import CONTACT_CENTER_ROLES, Role, has_role, role_required
from prakerja.helpdesk import hours
from prakerja.helpdesk.blocks import schedule_summary
from prakerja.helpdesk.models import PresenceStatus
from prakerja.helpdesk.selectors import canned_responses_active, presence_status_for

from . import faq, selectors, services
from .consumers.base import SESSION_KEY
from .models import Chat

# The articles last suggested to this browser session: a deflection counts only for one of them.
SUGGESTED_KEY = "livechat_suggested"


def _error(exc: DomainError) -> JsonResponse:
    response = JsonResponse(
        error_body(code=exc.code, message=exc.message, errors=exc.errors), status=exc.status
    )
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _payload(request) -> dict:
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed(_("Not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ValidationFailed(_("Not valid JSON."))
    return {k: (v if isinstance(v, str) else "") for k, v in data.items()}


def _session_chat_ids(request) -> list[int]:
    return [int(pk) for pk in request.session.get(SESSION_KEY, []) if str(pk).isdigit()]


def _open_chat(request) -> Chat | None:
    return selectors.chat_open_for_visitor(
        user=request.user, session_chat_ids=_session_chat_ids(request)
    )


def _remember(request, chat: Chat) -> None:
    ids = [pk for pk in _session_chat_ids(request) if pk != chat.pk][-9:]
    request.session[SESSION_KEY] = [*ids, chat.pk]


def _hours_text() -> str:
    return str(schedule_summary(hours.current_schedule()))


@require_GET
def status(request):
    """What the widget shows when opened: open now, hours, hotline, the visitor's open chat."""
    availability = selectors.chat_availability()
    chat = _open_chat(request)
    user = request.user
    next_open = (
        formats.time_format(clock.to_local(availability.next_open_at))
        if availability.next_open_at
        else ""
    )
    return JsonResponse(
        {
            "open": availability.open,
            "accepting": availability.accepting,
            "reason": availability.reason,
            "next_open": next_open,
            "hotline": settings.CONTACT_CENTER_HOTLINE,
            "hours": _hours_text(),
            "chat": chat.pk if chat else None,
            "known": bool(user.is_authenticated),
            "name": user.get_short_name() if user.is_authenticated else "",
            "max_chars": settings.LIVECHAT_MAX_MESSAGE_CHARS,
        }
    )


@require_GET
def suggestions(request):
    try:
        rate_limit(key=f"livechat:faq:{client_ip(request)}", limit=60, period=60)
    except RateLimited as exc:
        return _error(exc)
    found = faq.faq_suggestions(query=request.GET.get("q", ""))
    request.session[SUGGESTED_KEY] = [s.slug for s in found]
    return JsonResponse(
        {
            "suggestions": [
                {"slug": s.slug, "title": s.title, "snippet": s.snippet, "url": s.url}
                for s in found
            ]
        }
    )


@require_POST
def deflect(request):
    """Record that a suggested article solved the question. Counted only for an article the
    widget suggested to this session, once per suggestion list: a script cannot inflate the
    deflection figures with posts alone."""
    try:
        data = _payload(request)
        rate_limit(key=f"livechat:deflect:{client_ip(request)}", limit=20, period=60)
        if data.get("article", "") not in request.session.get(SUGGESTED_KEY, []):
            raise Conflict(
                _("This article was not suggested in this chat."), code="article_not_suggested"
            )
        del request.session[SUGGESTED_KEY]
        services.chat_deflect(
            requester=request.user,
            name=data.get("name", ""),
            email=data.get("email", ""),
            question=data.get("question", ""),
            article=data.get("article", ""),
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"ok": True}, status=201)


@require_POST
def start(request):
    """Queue a chat (or return the visitor's open one). 409 `chat_closed` / `queue_full` tell the
    widget to offer a message instead."""
    existing = _open_chat(request)
    if existing is not None:
        return JsonResponse({"chat": existing.pk, "resumed": True})
    try:
        data = _payload(request)
        rate_limit(key=f"livechat:start:{client_ip(request)}", limit=10, period=60)
        chat = services.chat_start(
            requester=request.user,
            name=data.get("name", ""),
            email=data.get("email", ""),
            question=data.get("question", ""),
        )
    except DomainError as exc:
        return _error(exc)
    _remember(request, chat)
    return JsonResponse({"chat": chat.pk, "resumed": False}, status=201)


@require_POST
def leave_message(request):
    try:
        data = _payload(request)
        rate_limit(key=f"livechat:offline:{client_ip(request)}", limit=5, period=600)
        chat = services.chat_leave_message(
            requester=request.user,
            name=data.get("name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            body=data.get("body", ""),
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"reference": chat.ticket.reference}, status=201)


@role_required(*CONTACT_CENTER_ROLES)
def workspace(request):
    """The agent's live chats side by side; everything after the first paint comes over the
    websocket."""
    return render(
        request,
        "livechat/workspace.html",
        {
            "canned": canned_responses_active(),
            "agents": selectors.transfer_targets(agent=request.user),
            "watch": request.GET.get("watch", ""),
            "presence": presence_status_for(agent=request.user),
            "presence_choices": PresenceStatus.choices,
            "is_supervisor": has_role(request.user, Role.SUPERVISOR),
            "agent_strings": {
                "connected": _("Connected"),
                "reconnecting": _("Connection lost. Reconnecting…"),
                "new_chat": _("New chat"),
                "typing": _("Typing…"),
                "ended": _("The chat has ended."),
                "end_confirm": _("End this chat and resolve the ticket?"),
                "close": _("Close"),
                "email": _("E-mail"),
                "question": _("Question"),
                "participant": _("Participant"),
                "guest": _("Guest"),
                "read": _("Read"),
                "sent": _("Sent"),
                "sending": _("Sending…"),
                "incoming": _("Incoming"),
                "watching": _("Watching"),
            },
        },
    )


@role_required(Role.SUPERVISOR)
def supervisor(request):
    return render(request, "livechat/supervisor.html", selectors.supervisor_overview())


@role_required(Role.SUPERVISOR)
def supervisor_live(request):
    """The live part of the supervisor page, re-fetched by htmx every few seconds."""
    return render(request, "livechat/_supervisor_live.html", selectors.supervisor_overview())
