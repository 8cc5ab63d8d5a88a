"""What telephony puts into the agent inbox (`helpdesk.inbox`): the agent's calls (the open
screen-pops pinned on top) and the callback list, and a phone ticket's calls in its
conversation. Registered in TelephonyConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prakerja.core import clock
from prakerja.helpdesk import inbox
from prakerja.helpdesk.models import Channel

from . import selectors
from .models import Call, Callback, CallOutcome


def _call_item(call: Call, *, popped: bool = False) -> inbox.Item:
    reference = call.ticket.reference if call.ticket_id else ""
    return inbox.Item(
        kind="call",
        key=str(call.pk),
        title=call.caller_number or call.from_raw or _("hidden number"),
        subtitle=call.get_direction_display(),
        channel=Channel.PHONE,
        state="pop" if popped else (call.outcome or call.state),
        state_label=_("To wrap up") if popped else call.get_outcome_display(),
        at=call.answered_at or call.ringing_at,
        url=reverse("helpdesk:agent_ticket", args=[reference]) if reference else "",
        reference=reference,
    )


def calls(*, user) -> list[inbox.Item]:
    return [_call_item(call) for call in selectors.calls_for_agent(user=user)]


def pops(*, user) -> list[inbox.Item]:
    return [_call_item(call, popped=True) for call in selectors.pops_for_agent(user=user)]


def calls_count(*, user) -> int:
    return selectors.pops_open_count(user=user)


def callbacks(*, user) -> list[inbox.Item]:
    return [
        inbox.Item(
            kind="callback",
            key=str(cb.pk),
            title=cb.number,
            subtitle=_("%(n)d missed, last %(at)s")
            % {
                "n": cb.missed_count,
                "at": formats.date_format(
                    clock.to_local(cb.last_missed_at), "SHORT_DATETIME_FORMAT"
                ),
            },
            channel=Channel.PHONE,
            state=cb.status,
            state_label=_("Mine to call") if cb.status == Callback.Status.CLAIMED else _("Waiting"),
            at=cb.first_missed_at,
            url=reverse("telephony:callback_pane", args=[cb.pk]),
        )
        for cb in selectors.callbacks_for_inbox(user=user)
    ]


def callbacks_count(*, user) -> int:
    return selectors.callbacks_open_count()


def conversation_extra(*, user, ticket) -> inbox.Extra | None:
    """A phone ticket shows its calls (when, who answered, how long)."""
    if ticket.channel != Channel.PHONE:
        return None
    found = selectors.calls_for_ticket(ticket=ticket)
    if not found:
        return None
    return inbox.Extra(
        template="telephony/_inbox_calls.html",
        context={"calls": found, "answered": CallOutcome.ANSWERED},
    )


def register() -> None:
    inbox.sources.register(
        inbox.Source(
            key="calls",
            label=gettext_lazy("Calls"),
            order=20,
            count=calls_count,
            items=calls,
            pinned=pops,
        )
    )
    inbox.sources.register(
        inbox.Source(
            key="callbacks",
            label=gettext_lazy("Callbacks"),
            order=30,
            count=callbacks_count,
            items=callbacks,
        )
    )
    inbox.conversation_extras.register(conversation_extra)
