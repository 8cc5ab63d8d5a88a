"""Where helpdesk calls the apps above it (surveys, reports) without importing them: they
register in their AppConfig.ready() (see core.hooks)."""

from prakerja.core.hooks import Hook

ticket_facts_changed = Hook(
    "helpdesk.ticket_facts_changed",
    "Called with ticket=... inside the transaction that created the ticket or changed what is "
    "reported about it (status, first response, resolution, category, assignee, its surveys).",
)

tickets_facts_changed = Hook(
    "helpdesk.tickets_facts_changed",
    "As ticket_facts_changed, called with tickets=[...] for many at once (the intake batch): "
    "the result must be that of calling ticket_facts_changed for each in turn.",
)

ticket_resolved = Hook(
    "helpdesk.ticket_resolved",
    "Called with ticket=... after the transaction that resolved it has committed.",
)

ticket_email = Hook(
    "helpdesk.ticket_email",
    "Called with ticket=, kind= (acknowledgement, reply, resolved), message= (or None) and "
    "language= where helpdesk would e-mail the requester, inside the transaction that caused it "
    "(or in the intake task). A function that takes the e-mail over (the e-mail channel sends it "
    "threaded, through its own task) returns True, and helpdesk then sends none itself.",
)
