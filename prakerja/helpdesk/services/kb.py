"""Canned responses (placeholders filled for a ticket)."""

import string

from ..models import CannedResponse, Ticket


class _SafeMap(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def canned_render(*, canned: CannedResponse, ticket: Ticket, agent) -> str:
    """Fill {name}, {reference}, {agent}, {category}, {subject}; unknown placeholders stay."""
    values = _SafeMap(
        name=ticket.requester_name or "",
        reference=ticket.reference,
        agent=agent.get_full_name() if agent is not None else "",
        category=ticket.category.name,
        subject=ticket.subject,
    )
    try:
        return string.Formatter().vformat(canned.body, (), values)
    except (ValueError, IndexError):  # a stray brace in the template: show it unfilled
        return canned.body
