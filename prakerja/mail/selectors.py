"""Reads of the e-mail channel: which ticket a message answers, a ticket's thread ids, and what
supervisors see of the mailbox."""

import datetime as dt

from django.db.models import Count

from prakerja.core import clock
from prakerja.helpdesk.models import Ticket

from .models import KEPT, BouncingAddress, InboundMail, OutboundMail, Outcome, SendStatus


def ticket_for_thread(*, thread_ids: list[str], references: list[str]) -> Ticket | None:
    """The ticket a message answers: the first of its In-Reply-To / References ids (newest
    first) that is a message of a ticket's thread, received or sent; else the first ticket
    reference in its subject. Who may write into it is the caller's decision."""
    if thread_ids:
        found = dict(
            InboundMail.objects.filter(message_id__in=thread_ids, ticket__isnull=False)
            .exclude(outcome=Outcome.BOUNCE)
            .values_list("message_id", "ticket_id")
        )
        found.update(
            OutboundMail.objects.filter(message_id__in=thread_ids).values_list(
                "message_id", "ticket_id"
            )
        )
        for message_id in thread_ids:
            if message_id in found:
                return Ticket.objects.filter(pk=found[message_id]).first()
    if references:
        tickets = {t.reference: t for t in Ticket.objects.filter(reference__in=references)}
        for reference in references:
            if reference in tickets:
                return tickets[reference]
    return None


def thread_ids_for_ticket(*, ticket, before) -> tuple[list[tuple], list[tuple]]:
    """([(received_at, id)...], [(created_at, id)...]) of the ticket's thread in time order:
    the messages received into it and our e-mails sent before `before` (an OutboundMail)."""
    received = list(
        InboundMail.objects.filter(ticket=ticket, message_id__isnull=False)
        .exclude(outcome=Outcome.BOUNCE)
        .order_by("received_at", "id")
        .values_list("received_at", "message_id")
    )
    sent = list(
        OutboundMail.objects.filter(ticket=ticket, pk__lt=before.pk, status=SendStatus.SENT)
        .order_by("created_at", "id")
        .values_list("created_at", "message_id")
    )
    return received, sent


def mailbox_summary(*, days: int = 7, kept_limit: int = 50) -> dict:
    """What became of the mail received in the last `days` days, per outcome; the messages kept
    for a supervisor (newest first); failed and skipped sends; the bouncing addresses."""
    since = clock.now() - dt.timedelta(days=days)
    counts = dict(
        InboundMail.objects.filter(received_at__gte=since)
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("outcome", "n")
    )
    sends = dict(
        OutboundMail.objects.filter(created_at__gte=since)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return {
        "days": days,
        "since": since,
        "outcomes": [
            {"outcome": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Outcome.choices
        ],
        "sends": [
            {"status": value, "label": label, "count": sends.get(value, 0)}
            for value, label in SendStatus.choices
        ],
        "kept": list(
            InboundMail.objects.filter(outcome__in=KEPT).order_by("-received_at", "-id")[
                :kept_limit
            ]
        ),
        "not_ticketed": list(
            InboundMail.objects.filter(received_at__gte=since)
            .exclude(outcome__in=(Outcome.TICKET, Outcome.REPLY, *KEPT))
            .order_by("-received_at", "-id")[:kept_limit]
        ),
        "bouncing": list(BouncingAddress.objects.order_by("-bounced_at")[:kept_limit]),
    }


def kept_mail_get(*, pk: int) -> InboundMail | None:
    """A received message whose raw bytes were kept, or None."""
    return InboundMail.objects.filter(pk=pk).exclude(raw="").first()
