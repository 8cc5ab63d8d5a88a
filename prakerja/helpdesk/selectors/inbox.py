"""The agent inbox's list pane: the ticket queues and every channel's own list (`inbox.sources`),
their counts, and the live items pinned above them. A fixed number of queries whatever the rows."""

from __future__ import annotations

import dataclasses

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prakerja.core import clock
from prakerja.core.errors import Forbidden
from prakerja.core.logging import mask_nik
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

from .. import inbox
from ..models import Channel, Priority, Ticket, TicketStatus
from .queues import QUEUES, queue_counts, ticket_queue
from .search import ticket_search

QUEUE_LABELS = (
    ("mine", gettext_lazy("Mine")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("pending", gettext_lazy("Waiting on requester")),
    ("open", gettext_lazy("All open")),
    ("all", gettext_lazy("All")),
)


@dataclasses.dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: int | None


def ticket_rows(tickets: list[Ticket]) -> list[dict]:
    """Rows for the list, formatted here once: a long list rendered through template lookups,
    includes and per-row translations costs more than the query behind it. Chat tickets carry
    their chat's live state (`inbox.ticket_states`)."""
    status = {k: str(v) for k, v in TicketStatus.choices}
    channel = {k: str(v) for k, v in Channel.choices}
    priority = {k: str(v) for k, v in Priority.choices}
    live = inbox.states_for([t.pk for t in tickets if t.channel == Channel.CHAT])
    rows = []
    for t in tickets:
        due = t.resolution_due_at if t.first_response_at else t.first_response_due_at
        rows.append(
            {
                "reference": t.reference,
                "subject": mask_nik(t.subject)[:70],
                "requester": mask_nik(t.requester_name) or "—",
                "channel": t.channel,
                "channel_label": channel.get(t.channel, t.channel),
                "status": t.status,
                "status_label": status.get(t.status, t.status),
                "live": live.get(t.pk, ""),
                "priority": t.priority,
                "priority_label": priority.get(t.priority, t.priority),
                "assignee": t.assignee.get_full_name() if t.assignee_id else "",
                "due": formats.date_format(clock.to_local(due), "SHORT_DATETIME_FORMAT")
                if due
                else "",
                "overdue": bool(due and due < clock.now() and t.status in ("new", "open")),
                "updated_at": t.updated_at,
            }
        )
    return rows


def inbox_list(
    *, user, queue: str = "mine", channel: str = "", query: str = "", after: str = ""
) -> dict:
    """The list pane for `queue`: a ticket queue (QUEUES) or a channel's list (a source key),
    with every tab's count and the pinned live items (the agent's open chats and calls).

    The ticket queues' counts are `queue_counts`: "Unassigned" counts exactly the tickets
    "take next" hands out, one after another."""
    if not has_role(user, *CONTACT_CENTER_ROLES):
        raise Forbidden()
    sources = list(inbox.sources)
    source = inbox.sources.get(queue)
    if source is None and queue not in QUEUES:
        queue = "mine"
    channel = channel if channel in Channel.values else ""
    counts = queue_counts(user=user)
    tabs = [Tab(key, str(label), counts.get(key)) for key, label in QUEUE_LABELS]
    tabs += [Tab(s.key, str(s.label), s.count(user=user)) for s in sources]
    pinned = [item for s in sources if s.pinned for item in s.pinned(user=user)]
    result = {
        "queue": queue,
        "channel": channel,
        "query": query,
        "tabs": tabs,
        "pinned": pinned,
        "rows": [],
        "items": [],
        "cursor": None,
        "source": source,
    }
    if query:
        result["rows"] = ticket_rows(ticket_search(user=user, query=query))
        result["queue"] = ""
    elif source is not None:
        result["items"] = source.items(user=user)
    else:
        tickets, result["cursor"] = ticket_queue(
            user=user, queue=queue, channel=channel, after=after
        )
        result["rows"] = ticket_rows(tickets)
    return result


def channel_filters() -> list[tuple[str, str]]:
    return [("", _("Every channel")), *((k, str(v)) for k, v in Channel.choices)]
