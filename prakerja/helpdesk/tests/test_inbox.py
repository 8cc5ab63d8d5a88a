"""The agent inbox (/agen/): access, the list's counts against "take next", actions through the
services, what an agent may open, the channels' lists and the list's query budget."""

import asyncio

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.helpdesk import services
from prakerja.helpdesk.models import AgentPresence, Channel, Ticket
from prakerja.helpdesk.realtime import agent_group
from prakerja.livechat.models import Chat, ChatState
from prakerja.livechat.services import chats_dispatch
from prakerja.livechat.tests.factories import queued_chat
from prakerja.telephony.models import Call, Callback

from .factories import agent, on_shift_agent, participant, supervisor

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def open_hours():
    """10:00 WIB on a weekday: chat open, the morning shift on."""
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=True) as traveller:
        yield traveller


def web_ticket(**kw):
    data = {
        "channel": Channel.WEB,
        "subject": "Sertifikat belum muncul",
        "description": "Sudah seminggu.",
        "name": "Rina",
        "email": "rina@example.test",
    }
    data.update(kw)
    return services.ticket_create(**data)


def roomy(user, limit=50):
    AgentPresence.objects.update_or_create(agent=user, defaults={"ticket_limit": limit})
    return user


def test_only_the_contact_center_gets_in(client):
    ticket = web_ticket()
    urls = [
        reverse("helpdesk:workspace"),
        reverse("helpdesk:agent_ticket", args=[ticket.reference]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to log-in
    client.force_login(participant())
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.get(url, **HX).status_code == 403
    assert client.post(reverse("helpdesk:claim_next"), **HX).status_code == 403
    callback = Callback.objects.create(
        number="+6281234567890", first_missed_at=clock.now(), last_missed_at=clock.now()
    )
    assert client.get(reverse("telephony:callback_pane", args=[callback.pk])).status_code == 403


def test_unassigned_counts_exactly_what_take_next_hands_out(client, open_hours):
    staff = roomy(agent())
    tickets = [web_ticket(subject=f"Masalah {i}") for i in range(3)]
    services.ticket_assign(ticket=web_ticket(), agent=agent(), actor=supervisor())
    queued_chat()  # a waiting chat's ticket is unassigned too, but live chat routes it
    client.force_login(staff)
    html = client.get(reverse("helpdesk:workspace"), {"queue": "unassigned"}).content.decode()
    assert 'data-queue="unassigned"' in html
    count = _tab_count(html, "unassigned")
    assert count == 3
    assert html.count('class="inbox-link ticket-link"') == 3
    taken = []
    for _i in range(count + 1):
        response = client.post(reverse("helpdesk:claim_next"), **HX)
        assert response.status_code in (200, 204)
        if "HX-Push-Url" in response:
            taken.append(response["HX-Push-Url"].rstrip("/").rsplit("/", 1)[-1])
    assert sorted(taken) == sorted(t.reference for t in tickets)  # the same three, then none
    nothing = client.post(reverse("helpdesk:claim_next"), **HX)
    assert nothing.status_code == 204  # a notice; the open conversation stays
    assert "inbox-notice" in nothing["HX-Trigger"]
    html = client.get(reverse("helpdesk:workspace"), {"queue": "unassigned"}).content.decode()
    assert _tab_count(html, "unassigned") == 0
    assert _tab_count(html, "mine") == 3
    assert _tab_count(html, "chats") == 1


def _tab_count(html: str, key: str) -> int:
    start = html.index(f'data-queue="{key}"')
    count = html.index('class="count">', start) + len('class="count">')
    return int(html[count : html.index("<", count)])


def test_the_conversation_loads_into_the_middle_with_the_requester_panel(client):
    user = participant(full_name="Sari Peserta")
    earlier = web_ticket(requester=user, subject="Pertanyaan lama")
    ticket = web_ticket(requester=user, subject="NIK 3171234567890123 tidak dikenal")
    client.force_login(agent())
    url = reverse("helpdesk:agent_ticket", args=[ticket.reference])
    fragment = client.get(url, **HX).content.decode()
    assert 'id="conv"' in fragment
    assert "<html" not in fragment
    assert "3171234567890123" not in fragment
    assert earlier.reference in fragment  # earlier contacts
    page = client.get(url).content.decode()  # a reload: the whole inbox with it open
    assert 'id="inbox-list"' in page
    assert 'id="conv"' in page


def test_searching_a_reference_opens_its_conversation(client):
    ticket = web_ticket()
    client.force_login(agent())
    url = reverse("helpdesk:workspace")
    response = client.get(url, {"q": ticket.reference.lower()}, **HX)
    assert response["HX-Retarget"] == "#inbox-detail"
    assert f'data-reference="{ticket.reference}"' in response.content.decode()
    assert client.get(url, {"q": ticket.reference}).status_code == 302  # without htmx
    html = client.get(url, {"q": "Sertifikat"}, **HX).content.decode()
    assert ticket.reference in html
    assert 'id="inbox-list-body"' in html


def test_reply_note_and_fields_go_through_the_services(client):
    staff = agent(full_name="Dewi Agen")
    ticket = web_ticket()
    client.force_login(staff)
    seen = ticket.messages.last().pk
    response = client.post(
        reverse("helpdesk:agent_claim", args=[ticket.reference]), **HX
    )  # "Take it"
    assert response.status_code == 200
    assert response["HX-Trigger"] == "inbox-refresh"
    ticket.refresh_from_db()
    assert ticket.assignee == staff
    response = client.post(
        reverse("helpdesk:agent_reply", args=[ticket.reference]),
        {"body": "Kami cek dulu.", "seen": seen, "client_msg_id": "r1"},
        **HX,
    )
    assert response.status_code == 200
    assert "Kami cek dulu." in response.content.decode()
    client.post(
        reverse("helpdesk:agent_reply", args=[ticket.reference]),
        {"body": "Catatan internal", "internal": "on", "seen": seen, "client_msg_id": "n1"},
        **HX,
    )
    kinds = list(ticket.messages.filter(author=staff).values_list("kind", flat=True))
    assert kinds == ["public", "internal"]
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "pending", "category": "certificate", "priority": "high", "assignee": ""},
        **HX,
    )
    # the assignee is not the agent's to clear: refused whole (403 from the service), shown
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("open", "normal", staff)
    client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "pending", "category": "certificate", "priority": "high"},
        **HX,
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.category.slug, ticket.priority) == (
        "pending",
        "certificate",
        "high",
    )
    actions = set(
        AuditLog.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True)
    )
    assert {"ticket.assign", "ticket.status", "ticket.update"} <= actions


def test_supervisors_choose_the_assignee_from_a_list_agents_take_it(client):
    ticket = web_ticket()
    other = agent(full_name="Budi Agen")
    client.force_login(supervisor())
    html = client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference]), **HX)
    html = html.content.decode()
    assert '<select name="assignee"' in html
    assert f'<option value="{other.username}">Budi Agen</option>' in html
    client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "new", "category": "other", "priority": "normal", "assignee": other.username},
        **HX,
    )
    ticket.refresh_from_db()
    assert ticket.assignee == other
    client.force_login(agent())
    unassigned = web_ticket()
    html = client.get(reverse("helpdesk:agent_ticket", args=[unassigned.reference]), **HX)
    html = html.content.decode()
    assert '<select name="assignee"' not in html
    assert 'type="hidden" name="assignee"' in html
    assert reverse("helpdesk:agent_claim", args=[unassigned.reference]) in html


def test_a_live_chat_is_answered_in_the_chat_only_by_whoever_holds_it(client, open_hours):
    holder = on_shift_agent(full_name="Rina Agen")
    queued_chat()
    assert chats_dispatch() == 1
    chat = Chat.objects.get()
    assert (chat.state, chat.agent) == (ChatState.ACTIVE, holder)
    url = reverse("helpdesk:agent_ticket", args=[chat.ticket.reference])

    client.force_login(holder)
    html = client.get(url, **HX).content.decode()
    assert 'class="inbox-chat-compose"' in html
    assert f'data-key-chat="chat-{chat.pk}"' in html
    assert 'name="internal" value="on"' in html  # the ticket form adds notes only
    pinned = client.get(reverse("helpdesk:workspace")).content.decode()
    assert f'data-key="chat-{chat.pk}"' in pinned  # pinned: the agent's open chat

    client.force_login(agent())  # another agent sees the thread, not the composer
    html = client.get(url, **HX).content.decode()
    assert "inbox-chat-compose" not in html
    assert "data-key-chat" not in html  # nor does the page join the chat on the socket
    assert 'name="internal" value="on"' in html

    client.force_login(supervisor())
    assert "inbox-chat-compose" in client.get(url, **HX).content.decode()


def test_chat_tickets_show_their_live_state_in_the_ticket_lists(client, open_hours):
    queued_chat(name="Antri")
    client.force_login(agent())
    html = client.get(reverse("helpdesk:workspace"), {"queue": "open"}, **HX).content.decode()
    assert 'class="badge live"' in html
    html = client.get(reverse("helpdesk:workspace"), {"queue": "chats"}, **HX).content.decode()
    assert "Antri" in html


def test_callbacks_claimed_by_someone_else_cannot_be_completed_here(client):
    now = clock.now()
    callback = Callback.objects.create(
        number="+6281234567890", first_missed_at=now, last_missed_at=now, missed_count=2
    )
    owner, other = agent(), agent()
    client.force_login(owner)
    pane = client.get(reverse("helpdesk:workspace"), {"queue": "callbacks"}, **HX)
    assert reverse("telephony:callback_pane", args=[callback.pk]) in pane.content.decode()
    response = client.post(reverse("telephony:callback_claim", args=[callback.pk]), **HX)
    assert f'name="cb{callback.pk}-result"' in response.content.decode()
    client.force_login(other)
    html = client.get(reverse("telephony:callback_pane", args=[callback.pk])).content.decode()
    assert f"cb{callback.pk}-result" not in html  # no outcome form for them
    response = client.post(
        reverse("telephony:callback_complete", args=[callback.pk]),
        {f"cb{callback.pk}-result": "reached"},
        **HX,
    )
    assert 'role="alert"' in response.content.decode()
    callback.refresh_from_db()
    assert (callback.status, callback.claimed_by) == (Callback.Status.CLAIMED, owner)


def test_calls_list_the_agents_own_calls_with_open_pops_pinned(client):
    mine, theirs = agent(), agent()
    ticket = web_ticket(channel=Channel.PHONE, phone="081234567890", email="")
    now = clock.now()
    Call.objects.create(
        call_id="c-1",
        caller_number="+6281234567890",
        agent=mine,
        state="talking",
        outcome="answered",
        ringing_at=now,
        answered_at=now,
        ticket=ticket,
    )
    Call.objects.create(call_id="c-2", caller_number="+6289999", agent=theirs, ringing_at=now)
    client.force_login(mine)
    html = client.get(reverse("helpdesk:workspace"), {"queue": "calls"}).content.decode()
    assert "+6281234567890" in html
    assert "+6289999" not in html
    assert _tab_count(html, "calls") == 1  # one call to wrap up
    assert html.count('data-key="call-') == 2  # pinned and in the list
    conversation = client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference]), **HX)
    assert "inbox-calls" in conversation.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_the_list_has_a_fixed_query_budget(client, django_assert_num_queries, open_hours, rows):
    staff = on_shift_agent()
    for i in range(rows):
        web_ticket(subject=f"Masalah {i}")
    for i in range(3):
        queued_chat(name=f"Chat {i}")
    chats_dispatch()
    now = clock.now()
    for i in range(3):
        Callback.objects.create(number=f"+62812000{i}", first_missed_at=now, last_missed_at=now)
    client.force_login(staff)
    # session, user, roles, rows, the chat tickets' live states, 3 queue counts, presence,
    # chats (count, pinned), calls (count, pinned), callbacks (count), layout blocks
    with django_assert_num_queries(17):
        response = client.get(reverse("helpdesk:workspace"), {"queue": "open"})
    assert response.status_code == 200
    assert response.content.decode().count('class="inbox-link ticket-link"') == min(25, rows + 3)
    # the chat list instead of the tickets and their states; the layout's switches now cached
    with django_assert_num_queries(14):
        client.get(reverse("helpdesk:workspace"), {"queue": "chats"})
    assert Ticket.objects.count() == rows + 3


def _listen(user) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(agent_group(user.pk), channel)
    return channel


def _received(channel: str) -> list[dict]:
    layer = get_channel_layer()

    async def drain():
        found = []
        while True:
            try:
                found.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
            except TimeoutError:
                return found

    return async_to_sync(drain)()


def test_assignments_and_requester_replies_reach_the_agents_inbox_on_commit(
    django_capture_on_commit_callbacks, open_hours
):
    """What the inbox refreshes on: a ticket given to the agent by someone else (routing, a
    supervisor), and the requester writing on it; not what the agent did themself."""
    owner, boss = agent(), supervisor()
    socket = _listen(owner)
    ticket = web_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, agent=owner, actor=boss)
    assert _received(socket) == [{"type": "ticket.assigned", "ticket": ticket.reference}]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_requester_reply(ticket=ticket, body="Masih belum masuk.")
    assert _received(socket) == [{"type": "ticket.message", "ticket": ticket.reference}]

    roomy(owner)
    mine = web_ticket(subject="Lain")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ticket_claim_next(agent=owner) == mine
        services.ticket_reply(ticket=mine, author=owner, body="Kami cek.")
    assert _received(socket) == []

    routed = on_shift_agent()
    routed_socket = _listen(routed)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = web_ticket(subject="Baru")
    fresh.refresh_from_db()
    assert fresh.assignee == routed
    assert _received(routed_socket) == [{"type": "ticket.assigned", "ticket": fresh.reference}]


def test_the_conversation_pane_has_a_fixed_query_budget(client):
    staff = agent()
    client.force_login(staff)
    counts = []
    for replies in (1, 15):
        ticket = web_ticket(requester=participant())
        for i in range(replies):
            services.ticket_reply(ticket=ticket, author=agent(), body=f"Balasan {i}")
        url = reverse("helpdesk:agent_ticket", args=[ticket.reference])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **HX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
