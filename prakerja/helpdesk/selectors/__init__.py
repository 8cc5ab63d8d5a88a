"""Reads for the contact center, by topic. Tickets a requester owns are fetched through
`ticket_get_for_requester` / `ticket_get_for_tracking`; agents through `ticket_get_for_agent`."""

from .configuration import (
    CATEGORIES_CACHE_KEY,
    CATEGORIES_CACHE_SECONDS,
    DEFAULT_SLA,
    SLA_CACHE_KEY,
    SLA_CACHE_SECONDS,
    active_categories,
    active_category,
    sla_due_times,
)
from .knowledge_base import (
    STOPWORDS,
    articles_published,
    articles_suggested,
)
from .presence import (
    agent_loads,
    agents_available,
    agents_on_shift,
    default_limit,
    effective_presence,
    presence_ttl,
    shifts_at,
    supervisor_board,
)
from .queues import (
    COUNT_CAP,
    QUEUES,
    queue_counts,
    ticket_queue,
)
from .requesters import (
    participant_summary_for_agent,
    requester_history,
    requester_summary,
)
from .search import (
    NIK_RE,
    TEXT_SEARCH_PG,
    TEXT_SEARCH_PG_RECENT,
    TEXT_SEARCH_SQLITE,
    TEXT_SEARCH_WORDS,
    ticket_search,
)
from .tickets import (
    message_resent,
    new_messages_since,
    public_messages,
    ticket_get_for_agent,
    ticket_get_for_requester,
    ticket_get_for_tracking,
    tickets_for_requester,
)

__all__ = [
    "DEFAULT_SLA",
    "SLA_CACHE_KEY",
    "SLA_CACHE_SECONDS",
    "sla_due_times",
    "agent_loads",
    "default_limit",
    "CATEGORIES_CACHE_KEY",
    "CATEGORIES_CACHE_SECONDS",
    "COUNT_CAP",
    "NIK_RE",
    "QUEUES",
    "STOPWORDS",
    "TEXT_SEARCH_PG",
    "TEXT_SEARCH_PG_RECENT",
    "TEXT_SEARCH_SQLITE",
    "TEXT_SEARCH_WORDS",
    "active_categories",
    "active_category",
    "agents_available",
    "agents_on_shift",
    "articles_published",
    "articles_suggested",
    "effective_presence",
    "message_resent",
    "new_messages_since",
    "participant_summary_for_agent",
    "presence_ttl",
    "public_messages",
    "queue_counts",
    "requester_history",
    "requester_summary",
    "shifts_at",
    "supervisor_board",
    "ticket_get_for_agent",
    "ticket_get_for_requester",
    "ticket_get_for_tracking",
    "ticket_queue",
    "ticket_search",
    "tickets_for_requester",
]
