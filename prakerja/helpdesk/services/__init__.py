"""Every write in the contact-center core. `from prakerja.helpdesk.services import ticket_create`.

Split by topic: intake (new tickets), messages (the thread), tickets (lifecycle), routing (assignment and claims), staff (presence, roster),
kb (knowledge base and canned responses), configuration (categories, SLA targets, hours).
"""

from .attachments import attachment_add, validate_upload
from .configuration import (
    category_delete,
    category_save,
    hours_exception_delete,
    hours_exception_save,
    sla_target_delete,
    sla_target_save,
    weekly_hours_delete,
    weekly_hours_save,
)
from .intake import ticket_create
from .kb import canned_render
from .messages import (
    message_body_clean,
    ticket_chat_message_add,
    ticket_reply,
    ticket_requester_reply,
)
from .routing import (
    routing_drain,
    ticket_claim,
    ticket_claim_next,
    ticket_route,
)
from .sla import sla_watch
from .staff import (
    presence_heartbeat,
    presence_log_in,
    presence_set,
    roster_import_csv,
    roster_set,
)
from .tickets import (
    ticket_assign,
    ticket_resolve,
    ticket_set_status,
    ticket_update,
    ticket_update_fields,
    tickets_close_resolved,
)

__all__ = [
    "sla_watch",
    "attachment_add",
    "category_delete",
    "category_save",
    "hours_exception_delete",
    "hours_exception_save",
    "sla_target_delete",
    "sla_target_save",
    "weekly_hours_delete",
    "weekly_hours_save",
    "canned_render",
    "validate_upload",
    "presence_heartbeat",
    "presence_log_in",
    "presence_set",
    "roster_import_csv",
    "roster_set",
    "routing_drain",
    "ticket_assign",
    "ticket_chat_message_add",
    "message_body_clean",
    "ticket_claim",
    "ticket_claim_next",
    "ticket_create",
    "ticket_reply",
    "ticket_requester_reply",
    "ticket_resolve",
    "ticket_route",
    "ticket_set_status",
    "ticket_update",
    "ticket_update_fields",
    "tickets_close_resolved",
]
