import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from prakerja.core import clock
from prakerja.core.errors import Conflict, DomainError, NotFound, RateLimited, ValidationFailed
from prakerja.helpdesk.models import Channel, Message, Ticket, TicketStatus
from prakerja.livechat import selectors, services
from prakerja.livechat.models import Chat, ChatState, EndReason

from .factories import on_shift_agent, participant, queued_chat, supervisor

pytestmark = pytest.mark.django_db


# --- availability: out of hours and a full queue ------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "second", "is_open"),
    [(7, 59, 59, False), (8, 0, 0, True), (19, 59, 59, True), (20, 0, 0, False)],
)
def test_chat_opens_at_08_and_closes_at_20_wib(hour, minute, second, is_open):
    moment = clock.local_datetime(2026, 3, 10, hour, minute, second)
    with time_machine.travel(moment, tick=False):
        assert selectors.chat_availability().open is is_open
        if is_open:
            chat = queued_chat()
            assert chat.state == ChatState.QUEUED
            assert chat.ticket.channel == Channel.CHAT
        else:
            with pytest.raises(DomainError) as exc:
                queued_chat()
            assert exc.value.code == "chat_closed"
            assert exc.value.status == 409
            assert not Ticket.objects.exists()


def test_out_of_hours_message_becomes_a_web_ticket_with_the_text(frozen_open_hours):
    frozen_open_hours.move_to(clock.local_datetime(2026, 3, 10, 20, 0, 0))
    chat = services.chat_leave_message(
        requester=None,
        name="Budi",
        email="Budi@Example.test",
        body="Sertifikat saya belum terbit\nsudah 2 minggu",
    )
    ticket = chat.ticket
    assert chat.state == ChatState.OFFLINE
    assert ticket.channel == Channel.WEB
    assert ticket.description == "Sertifikat saya belum terbit\nsudah 2 minggu"
    assert ticket.subject == "Sertifikat saya belum terbit"
    assert ticket.requester_email == "budi@example.test"


def test_leave_message_requires_name_and_valid_email_for_guests(frozen_open_hours):
    with pytest.raises(ValidationFailed) as exc:
        services.chat_leave_message(requester=None, name="", email="not-an-email", body="Halo")
    assert set(exc.value.errors) == {"name", "email"}


@override_settings(LIVECHAT_MAX_QUEUE=2)
def test_queue_past_its_length_refuses_new_chats(frozen_open_hours):
    queued_chat(email="a@example.test")
    queued_chat(email="b@example.test")
    assert selectors.chat_availability().reason == "queue_full"
    with pytest.raises(DomainError) as exc:
        queued_chat(email="c@example.test")
    assert exc.value.code == "queue_full"


def test_deflected_chat_is_recorded_without_a_ticket(frozen_open_hours):
    chat = services.chat_deflect(
        requester=None, name="Ani", email="", question="cara klaim insentif", article="insentif"
    )
    assert chat.state == ChatState.DEFLECTED
    assert chat.ticket is None
    assert chat.deflected_by == "insentif"


def test_start_validates_question_length(frozen_open_hours):
    with pytest.raises(ValidationFailed):
        queued_chat(question="x" * 2001)
    with pytest.raises(ValidationFailed):
        queued_chat(question="   ")


def test_logged_in_participant_is_known_without_name_or_email(frozen_open_hours):
    user = participant(full_name="Dewi Lestari", email="dewi@example.test")
    chat = services.chat_start(requester=user, name="", email="", question="Akun saya terkunci")
    assert chat.requester == user
    assert chat.requester_name == "Dewi Lestari"
    assert chat.ticket.requester == user


# --- routing ------------------------------------------------------------------------------------


def test_dispatch_gives_oldest_first_to_least_loaded_and_respects_limit(frozen_open_hours):
    a = on_shift_agent(username="agent-a")
    b = on_shift_agent(username="agent-b")
    chats = []
    for i in range(8):
        chats.append(queued_chat(email=f"p{i}@example.test"))
        frozen_open_hours.shift(1)
    assert services.chats_dispatch() == 6  # 2 agents x limit 3
    for chat in chats:
        chat.refresh_from_db()
    assert [c.state for c in chats] == [ChatState.ACTIVE] * 6 + [ChatState.QUEUED] * 2
    assert sorted(c.agent_id for c in chats[:6]) == sorted([a.pk] * 3 + [b.pk] * 3)
    # least loaded first: the first two chats went to different agents
    assert chats[0].agent_id != chats[1].agent_id
    assert chats[0].ticket.assignee_id == chats[0].agent_id
    # capacity frees up: the oldest waiting chat goes next
    services.chat_end(chat=chats[0], actor=chats[0].agent, by_participant=False)
    assert services.chats_dispatch() == 1
    chats[6].refresh_from_db()
    chats[7].refresh_from_db()
    assert chats[6].state == ChatState.ACTIVE
    assert chats[6].agent_id == chats[0].agent_id
    assert chats[7].state == ChatState.QUEUED


def test_dispatch_skips_agents_offline_away_or_off_shift(frozen_open_hours):
    from prakerja.helpdesk.models import PresenceStatus

    from .factories import agent

    on_shift_agent(username="away", status=PresenceStatus.AWAY)
    agent(username="not-rostered")
    stale = on_shift_agent(username="stale")
    stale.presence.last_seen_at = clock.now() - dt.timedelta(minutes=10)
    stale.presence.save()
    queued_chat()
    assert services.chats_dispatch() == 0
    assert Chat.objects.get().state == ChatState.QUEUED


def test_per_agent_limit_is_configurable(frozen_open_hours):
    with override_settings(LIVECHAT_MAX_CHATS_PER_AGENT=1):
        on_shift_agent()
        queued_chat(email="a@example.test")
        queued_chat(email="b@example.test")
        assert services.chats_dispatch() == 1


def test_queue_position_and_eta(frozen_open_hours):
    first = queued_chat(email="a@example.test")
    frozen_open_hours.shift(1)
    second = queued_chat(email="b@example.test")
    assert selectors.queue_position(chat=first)[0] == 1
    position, eta = selectors.queue_position(chat=second)
    assert position == 2
    assert eta == 2 * selectors.queue_snapshot()["seconds_per_position"]


def test_helpdesk_routing_leaves_chat_tickets_to_live_chat(frozen_open_hours):
    from prakerja.helpdesk.services import routing_drain

    on_shift_agent()
    chat = queued_chat()
    routing_drain()
    chat.ticket.refresh_from_db()
    assert chat.ticket.assignee_id is None


# --- conversation -------------------------------------------------------------------------------


def _active_chat(frozen_open_hours):
    agent = on_shift_agent()
    chat = queued_chat()
    services.chats_dispatch()
    chat.refresh_from_db()
    return chat, agent


def test_participants_see_each_agents_own_name(frozen_open_hours):
    """Working names share their first word ("Agen 01", "Agen 02"): the participant sees the
    whole name, in the chat state, the transcript and the "joined" notice."""
    first = on_shift_agent(username="agen01", full_name="Agen 01")
    first_chat = queued_chat()
    services.chats_dispatch()
    second = on_shift_agent(username="agen02", full_name="Agen 02")
    second_chat = queued_chat(name="Budi", email="budi@example.test")
    services.chats_dispatch()
    for chat, agent, name in ((first_chat, first, "Agen 01"), (second_chat, second, "Agen 02")):
        chat = Chat.objects.select_related("ticket", "agent").get(pk=chat.pk)
        assert chat.agent == agent
        assert selectors.chat_payload(chat)["agent_name"] == name
        services.chat_agent_message(chat=chat, agent=agent, body="Halo", client_msg_id="a")
        history = selectors.chat_history(chat=chat)
        assert [m["name"] for m in history if m["author"] == "agent"] == [name]
        assert any(m["body"] == f"{name} bergabung dalam obrolan." for m in history), history


def test_an_agent_without_a_name_is_never_shown_by_username(frozen_open_hours):
    agent = on_shift_agent(username="nip.19870203", full_name="")
    chat = queued_chat()
    services.chats_dispatch()
    chat = Chat.objects.select_related("ticket", "agent").get(pk=chat.pk)
    assert chat.agent == agent
    assert selectors.chat_payload(chat)["agent_name"] == ""  # the widget shows "Agent"
    message, _created = services.chat_agent_message(
        chat=chat, agent=agent, body="Halo", client_msg_id="a"
    )
    assert selectors.message_payload(message)["name"] == ""
    history = selectors.chat_history(chat=chat)
    assert not any("nip.19870203" in f"{m['name']} {m['body']}" for m in history), history


def test_messages_are_stored_once_per_client_id(frozen_open_hours):
    chat, agent = _active_chat(frozen_open_hours)
    first, created = services.chat_participant_message(chat=chat, body="Halo", client_msg_id="c-1")
    again, created_again = services.chat_participant_message(
        chat=chat, body="Halo", client_msg_id="c-1"
    )
    assert created
    assert not created_again
    assert first.pk == again.pk
    reply, _ = services.chat_agent_message(chat=chat, agent=agent, body="Baik", client_msg_id="a-1")
    services.chat_agent_message(chat=chat, agent=agent, body="Baik", client_msg_id="a-1")
    bodies = list(chat.ticket.messages.filter(kind="public").values_list("body", flat=True))
    assert bodies == ["Saldo belum masuk", "Halo", "Baik"]
    chat.ticket.refresh_from_db()
    assert chat.ticket.first_response_at is not None


def test_only_the_assigned_agent_or_a_supervisor_may_write(frozen_open_hours):
    chat, _agent = _active_chat(frozen_open_hours)
    other = on_shift_agent(username="other")
    with pytest.raises(NotFound):
        services.chat_agent_message(chat=chat, agent=other, body="hi", client_msg_id="x")
    boss = supervisor()
    message, _ = services.chat_agent_message(
        chat=chat, agent=boss, body="Saya bantu", client_msg_id="s"
    )
    assert message.author == boss


def test_message_path_query_budget(frozen_open_hours, django_assert_num_queries):
    # Once the chat is answered, a message is: UPDATE chat (open? + activity), UPDATE ticket
    # (activity; skips a stored client id), INSERT ... ON CONFLICT DO NOTHING. The test's
    # transaction turns the service's own transaction into a savepoint (+2 statements).
    chat, agent = _active_chat(frozen_open_hours)
    services.chat_agent_message(chat=chat, agent=agent, body="Halo, saya Rina", client_msg_id="a0")
    chat = Chat.objects.select_related("ticket").get(pk=chat.pk)
    with django_assert_num_queries(3 + 2):
        message, created = services.chat_participant_message(
            chat=chat, body="Saldo saya", client_msg_id="p1"
        )
    assert created
    with django_assert_num_queries(3 + 2):  # the agent's roles are cached on the user
        reply, created = services.chat_agent_message(
            chat=chat, agent=agent, body="Saya cek", client_msg_id="a1"
        )
    assert created
    with django_assert_num_queries(3 + 2):  # a resend: the stored message, nothing written
        again, created = services.chat_participant_message(
            chat=chat, body="Saldo saya", client_msg_id="p1"
        )
    assert (again.pk, created) == (message.pk, False)
    chat.ticket.refresh_from_db()
    assert chat.ticket.status == TicketStatus.OPEN
    assert chat.ticket.last_message_at == reply.created_at
    assert list(chat.ticket.messages.values_list("client_msg_id", flat=True)) == [
        None,
        None,
        "a0",
        "p1",
        "a1",
    ]


def test_a_message_on_a_pending_chat_ticket_reopens_it(frozen_open_hours):
    from prakerja.helpdesk.services import ticket_set_status

    chat, agent = _active_chat(frozen_open_hours)
    services.chat_agent_message(chat=chat, agent=agent, body="Tunggu ya", client_msg_id="a0")
    ticket_set_status(ticket=chat.ticket, status=TicketStatus.PENDING, actor=agent)
    chat = Chat.objects.select_related("ticket").get(pk=chat.pk)
    services.chat_participant_message(chat=chat, body="Sudah?", client_msg_id="p1")
    chat.ticket.refresh_from_db()
    assert chat.ticket.status == TicketStatus.OPEN


def test_messages_after_the_end_are_refused_but_resends_acknowledged(frozen_open_hours):
    chat, agent = _active_chat(frozen_open_hours)
    stored, _ = services.chat_participant_message(chat=chat, body="Halo", client_msg_id="p1")
    services.chat_end(chat=chat, actor=agent, by_participant=False)
    with pytest.raises(Conflict) as exc:
        services.chat_participant_message(chat=chat, body="Lagi", client_msg_id="p2")
    assert exc.value.code == "chat_ended"
    again, created = services.chat_participant_message(chat=chat, body="Halo", client_msg_id="p1")
    assert (again.pk, created) == (stored.pk, False)
    with pytest.raises(Conflict) as exc:
        services.chat_agent_message(chat=chat, agent=agent, body="Halo", client_msg_id="a9")
    assert exc.value.code == "chat_not_active"


def test_participant_message_rate_limit(frozen_open_hours):
    chat, _agent = _active_chat(frozen_open_hours)
    with override_settings(LIVECHAT_MESSAGES_PER_10S=3):
        for i in range(3):
            services.chat_participant_message(chat=chat, body=f"m{i}", client_msg_id=f"r{i}")
        with pytest.raises(RateLimited):
            services.chat_participant_message(chat=chat, body="m4", client_msg_id="r4")
        # a resend of a stored id is still acknowledged
        again, created = services.chat_participant_message(chat=chat, body="m0", client_msg_id="r0")
        assert not created


def test_transfer_to_agent_and_back_to_queue(frozen_open_hours):
    chat, first = _active_chat(frozen_open_hours)
    second = on_shift_agent(username="second")
    services.chat_transfer(chat=chat, actor=first, to_agent=second)
    chat.refresh_from_db()
    assert chat.agent == second
    assert chat.ticket.assignee == second
    with pytest.raises(NotFound):  # the first agent no longer holds it
        services.chat_transfer(chat=chat, actor=first, to_agent=None)
    queued_at = chat.queued_at
    services.chat_transfer(chat=chat, actor=second, to_agent=None)
    chat.refresh_from_db()
    assert chat.state == ChatState.QUEUED
    assert chat.agent is None
    assert chat.queued_at == queued_at  # keeps its place
    system = chat.ticket.messages.filter(kind="system").count()
    assert system >= 3  # joined, transferred, joined, back to queue


def test_transfer_refused_to_unavailable_or_full_agent(frozen_open_hours):
    chat, first = _active_chat(frozen_open_hours)
    from .factories import agent

    offline = agent(username="offline")
    with pytest.raises(Conflict) as exc:
        services.chat_transfer(chat=chat, actor=first, to_agent=offline)
    assert exc.value.code == "agent_unavailable"
    with override_settings(LIVECHAT_MAX_CHATS_PER_AGENT=1):
        full = on_shift_agent(username="full")
        queued_chat(email="other@example.test")
        services.chats_dispatch()
        assert Chat.objects.filter(agent=full, state="active").count() == 1
        with pytest.raises(Conflict) as exc:
            services.chat_transfer(chat=chat, actor=first, to_agent=full)
        assert exc.value.code == "agent_full"


def test_end_resolves_ticket_and_rating_is_stored_once(frozen_open_hours):
    chat, agent = _active_chat(frozen_open_hours)
    with pytest.raises(Conflict):
        services.chat_rate(chat=chat, rating=5)
    services.chat_end(chat=chat, actor=None, by_participant=True)
    chat.refresh_from_db()
    assert chat.state == ChatState.ENDED
    assert chat.end_reason == EndReason.PARTICIPANT
    assert chat.ticket.status == TicketStatus.RESOLVED
    with pytest.raises(Conflict):
        services.chat_participant_message(chat=chat, body="halo?", client_msg_id="late")
    with pytest.raises(ValidationFailed):
        services.chat_rate(chat=chat, rating=9)
    services.chat_rate(chat=chat, rating=4, comment="Cepat")
    chat.refresh_from_db()
    assert (chat.rating, chat.rating_comment) == (4, "Cepat")
    # The rating is the chat's CSAT survey answer (issue 7), counted in the reports.
    from prakerja.reports.models import TicketFact
    from prakerja.surveys.models import Survey

    assert Survey.objects.get(ticket=chat.ticket).rating == 4
    assert TicketFact.objects.get(ticket=chat.ticket).rating == 4
    with pytest.raises(Conflict):
        services.chat_rate(chat=chat, rating=5)


def test_idle_chats_are_closed_with_a_notice(frozen_open_hours):
    chat, _agent = _active_chat(frozen_open_hours)
    busy = queued_chat(email="busy@example.test")
    services.chats_dispatch()
    frozen_open_hours.shift(dt.timedelta(minutes=9))
    services.chat_participant_message(chat=busy, body="masih di sini", client_msg_id="b1")
    frozen_open_hours.shift(dt.timedelta(minutes=2))
    assert services.chats_close_idle() == 1
    chat.refresh_from_db()
    busy.refresh_from_db()
    assert chat.state == ChatState.ENDED
    assert chat.end_reason == EndReason.IDLE
    assert busy.state == ChatState.ACTIVE
    notice = chat.ticket.messages.filter(kind="system").last()
    assert "10" in notice.body


def test_history_excludes_internal_notes(frozen_open_hours):
    from prakerja.helpdesk.services import ticket_reply

    chat, agent = _active_chat(frozen_open_hours)
    ticket_reply(ticket=chat.ticket, author=agent, body="catatan internal", internal=True)
    bodies = [m["body"] for m in selectors.chat_history(chat=chat)]
    assert "catatan internal" not in bodies
    assert Message.objects.filter(kind="internal").count() == 1


def test_supervisor_overview_query_budget(frozen_open_hours, django_assert_num_queries):
    for i in range(3):
        on_shift_agent(username=f"ag{i}")
    for i in range(12):
        queued_chat(email=f"q{i}@example.test")
    services.chats_dispatch()
    with django_assert_num_queries(7):
        overview = selectors.supervisor_overview()
        rows = [(a.pk, len(a.active_chats)) for a in overview["agents"]]
    assert sorted(n for _pk, n in rows) == [3, 3, 3]
    assert len(overview["queue"]) == 3


def test_a_chat_ended_in_the_queue_gets_no_survey_and_cannot_be_rated(
    frozen_open_hours, django_capture_on_commit_callbacks
):
    """Forged CSAT: a visitor who ends a chat no agent ever joined has nothing to rate."""
    from prakerja.surveys.models import Survey

    chat = queued_chat()
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=chat, actor=None, by_participant=True)
    chat.refresh_from_db()
    assert chat.state == ChatState.ENDED
    assert not Survey.objects.filter(ticket=chat.ticket).exists()
    assert selectors.chat_payload(chat)["rateable"] is False
    with pytest.raises(Conflict) as exc:
        services.chat_rate(chat=chat, rating=1)
    assert exc.value.code == "chat_not_served"
    chat.refresh_from_db()
    assert chat.rating is None
    assert not Survey.objects.filter(ticket=chat.ticket).exists()


def test_a_served_chat_is_asked_once_even_after_the_reask_window(
    frozen_open_hours, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError

    from prakerja.surveys.models import Delivery, Survey
    from prakerja.surveys.services import survey_request_for_ticket

    chat, _agent = _active_chat(frozen_open_hours)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(chat=chat, actor=None, by_participant=True)
    chat.refresh_from_db()
    assert selectors.chat_payload(chat)["rateable"] is True
    first = Survey.objects.get(ticket=chat.ticket)
    frozen_open_hours.shift(dt.timedelta(days=60))
    assert survey_request_for_ticket(ticket=chat.ticket) is None
    # the database holds it too: one chat survey per ticket, hence one answer
    with pytest.raises(IntegrityError):
        Survey.objects.create(
            ticket=chat.ticket,
            channel="chat",
            delivery=Delivery.CHAT,
            sent_at=first.sent_at,
            expires_at=first.expires_at,
        )


def test_agents_see_every_nik_form_masked_in_chats(frozen_open_hours):
    chat, _agent = _active_chat(frozen_open_hours)
    chat = services.chat_start(
        requester=None,
        name="Sari 3171 2345 6789 0123",
        email="sari2@example.test",
        question="NIK 3171-2345-6789-0123 ditolak",
    )
    message, _created = services.chat_participant_message(
        chat=chat, body="ini NIK saya 3171.2345.6789.0123", client_msg_id="n1"
    )
    payloads = [selectors.agent_chat_summary(chat), selectors.message_payload(message)]
    text = repr(payloads)
    assert "6789" not in text
    assert "3171-23**-****-0123" in text
