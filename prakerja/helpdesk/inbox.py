"""The agent inbox's extension points: what the channels above helpdesk (live chat, telephony)
add to the one screen agents work from, without helpdesk importing them (docs/ARCHITECTURE.md).

- `sources`: a channel's own list in the inbox (live chats, calls, callbacks). Each registers a
  `Source` in its AppConfig.ready(); its functions take `user=` and return `Item`s or a count.
- `ticket_states`: called with `ticket_ids=[...]`; each returns {ticket id: live state label} for
  the tickets it knows (a chat ticket's "waiting" / "with an agent"), so ticket rows show it.
- `conversation_extras`: called with `user=` and `ticket=`; each returns an `Extra` (a template
  the conversation pane includes, e.g. the live-chat composer of an open chat) or None.
- `socket`: the path of the agent websocket the inbox listens on (live chat serves it).

Each function runs a fixed number of queries whatever the number of rows (the inbox's list has a
query budget).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from prakerja.core.hooks import Hook

from .models import Channel


@dataclasses.dataclass(frozen=True)
class Item:
    """One row of the inbox list, whatever the channel."""

    kind: str  # "chat" | "call" | "callback" (tickets have their own rows)
    key: str  # unique within the kind (a chat's or call's id): the row's DOM id
    title: str
    subtitle: str
    channel: str  # a helpdesk Channel value, for the row's icon
    state: str  # machine value, for styling
    state_label: str
    at: dt.datetime | None  # the time shown (waiting since, answered at, ...)
    url: str  # what the conversation pane loads (an htmx fragment, also a full page)
    reference: str = ""  # the ticket behind it, if any

    @property
    def channel_label(self) -> str:
        return str(dict(Channel.choices).get(self.channel, self.channel))


@dataclasses.dataclass(frozen=True)
class Source:
    key: str  # the list's name in the URL (?queue=<key>)
    label: str
    order: int
    count: Callable[..., int]  # count(user=) -> the badge number
    items: Callable[..., list[Item]]  # items(user=) -> the list
    pinned: Callable[..., list[Item]] | None = None  # live items shown above every list


@dataclasses.dataclass(frozen=True)
class Extra:
    template: str
    context: dict
    # True when the extra brings its own way to answer the requester (a live chat's composer):
    # the conversation then offers internal notes only in its reply form.
    replaces_reply: bool = False


class _Sources:
    def __init__(self) -> None:
        self._by_key: dict[str, Source] = {}

    def register(self, source: Source) -> Source:
        self._by_key[source.key] = source
        return source

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda s: s.order))

    def get(self, key: str) -> Source | None:
        return self._by_key.get(key)


sources = _Sources()

ticket_states = Hook(
    "helpdesk.inbox.ticket_states",
    "Called with ticket_ids=[...]; each returns {ticket id: live state label}.",
)

conversation_extras = Hook(
    "helpdesk.inbox.conversation_extras",
    "Called with user=..., ticket=...; each returns an Extra for the conversation pane, or None.",
)


@dataclasses.dataclass
class _Socket:
    path: str = ""


socket = _Socket()


def states_for(ticket_ids: list[int]) -> dict[int, str]:
    merged: dict[int, str] = {}
    if ticket_ids:
        for found in ticket_states(ticket_ids=ticket_ids):
            merged.update(found or {})
    return merged


def extras_for(*, user, ticket) -> list[Extra]:
    return [e for e in conversation_extras(user=user, ticket=ticket) if e is not None]
