"""Writes for the phone channel: PBX events (`events`), the callback list (`callbacks`) and the
agents' own call work (`calls`)."""

from .callbacks import callback_claim, callback_claim_next, callback_complete
from .calls import agent_extension_set, call_log_manual, call_pop_close, call_wrap_up
from .events import EventResult, call_event_record

__all__ = [
    "EventResult",
    "agent_extension_set",
    "call_event_record",
    "call_log_manual",
    "call_pop_close",
    "call_wrap_up",
    "callback_claim",
    "callback_claim_next",
    "callback_complete",
]
