"""Where helpdesk calls the apps above it (surveys, reports) without importing them: they
register in their AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

ticket_facts_changed = Hook(
    "helpdesk.ticket_facts_changed",
    "Called with ticket=... inside the transaction that created the ticket or changed what is "
    "reported about it (status, first response, resolution, category, assignee, its surveys).",
)

ticket_resolved = Hook(
    "helpdesk.ticket_resolved",
    "Called with ticket=... after the transaction that resolved it has committed.",
)
