"""Atomic claims under real concurrency: threads, each with its own PostgreSQL connection."""

import threading

import pytest
from django.db import connection
from django.test import override_settings

from prakerja.helpdesk.models import Message
from prakerja.livechat import services
from prakerja.livechat.models import Chat, ChatState

from .factories import on_shift_agent, queued_chat

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


def run_in_threads(target, n: int) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def _queue(frozen, n):
    chats = []
    for i in range(n):
        chats.append(queued_chat(email=f"p{i}@example.test", question=f"Pertanyaan {i}"))
        frozen.shift(1)
    return chats


def test_concurrent_dispatchers_assign_each_chat_once_within_limits_oldest_first(
    frozen_open_hours,
):
    chats = _queue(frozen_open_hours, 20)  # queued first: nobody online yet
    agents = [on_shift_agent(username=f"agent{i}") for i in range(4)]
    assert not Chat.objects.filter(state=ChatState.ACTIVE).exists()

    results = run_in_threads(services.chats_dispatch, 8)

    assert sum(results) == 12  # 4 agents x 3
    active = list(Chat.objects.filter(state=ChatState.ACTIVE).order_by("queued_at"))
    assert [c.pk for c in active] == [c.pk for c in chats[:12]]  # none skipped
    loads = {a.pk: Chat.objects.filter(agent=a, state=ChatState.ACTIVE).count() for a in agents}
    assert set(loads.values()) == {3}
    for chat in active:
        chat.ticket.refresh_from_db()
        assert chat.ticket.assignee_id == chat.agent_id
        joined = Message.objects.filter(ticket=chat.ticket, kind="system").count()
        assert joined == 1  # assigned exactly once


@override_settings(LIVECHAT_MAX_CHATS_PER_AGENT=1)
def test_one_free_slot_goes_to_the_oldest_chat_once(frozen_open_hours):
    chats = _queue(frozen_open_hours, 5)
    on_shift_agent()

    results = run_in_threads(services.chat_claim_next, 6)

    claimed = [c for c in results if c is not None]
    assert len(claimed) == 1
    assert claimed[0].pk == chats[0].pk
    assert Chat.objects.filter(state=ChatState.ACTIVE).count() == 1


def test_ending_and_dispatching_at_once_never_exceeds_the_limit(frozen_open_hours):
    chats = _queue(frozen_open_hours, 10)
    agent = on_shift_agent()
    services.chats_dispatch()
    active = list(Chat.objects.filter(state=ChatState.ACTIVE))
    assert len(active) == 3

    def end_one(chat):
        return lambda: services.chat_end(chat=chat, actor=agent, by_participant=False)

    jobs = [end_one(c) for c in active] + [services.chats_dispatch] * 5
    barrier = threading.Barrier(len(jobs))
    errors = []

    def worker(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    services.chats_dispatch()  # whatever the interleaving, a final pass fills the freed slots
    assert Chat.objects.filter(agent=agent, state=ChatState.ACTIVE).count() == 3
    waiting = list(Chat.objects.filter(state=ChatState.QUEUED).order_by("queued_at"))
    assert [c.pk for c in waiting] == [c.pk for c in chats[6:]]


def test_the_same_message_sent_at_once_on_several_sockets_is_stored_once(frozen_open_hours):
    # The unique (ticket, client id) constraint decides, with no lock taken before the insert.
    on_shift_agent()
    chat = queued_chat()
    services.chats_dispatch()
    chat = Chat.objects.select_related("ticket").get(pk=chat.pk)

    def send():
        return services.chat_participant_message(chat=chat, body="Halo", client_msg_id="dup-1")

    results = run_in_threads(send, 6)

    assert sorted(created for _message, created in results) == [False] * 5 + [True]
    assert len({message.pk for message, _created in results}) == 1
    assert Message.objects.filter(ticket=chat.ticket, client_msg_id="dup-1").count() == 1


def test_a_message_racing_the_end_of_the_chat_is_stored_before_it_or_refused(frozen_open_hours):
    from prakerja.core.errors import Conflict

    agent = on_shift_agent()
    chats = _queue(frozen_open_hours, 3)
    services.chats_dispatch()
    barrier = threading.Barrier(6)
    outcomes, errors = [], []

    def end(chat):
        try:
            barrier.wait()
            services.chat_end(chat=chat, actor=agent, by_participant=False)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def write(chat):
        try:
            barrier.wait()
            services.chat_participant_message(chat=chat, body="Masih di sana?", client_msg_id="w")
            outcomes.append("stored")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    loaded = [Chat.objects.select_related("ticket").get(pk=c.pk) for c in chats]
    threads = [threading.Thread(target=end, args=(c,)) for c in loaded]
    threads += [threading.Thread(target=write, args=(c,)) for c in loaded]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert set(outcomes) <= {"stored", "chat_ended", "ticket_closed"}
    for chat in loaded:
        thread = list(Message.objects.filter(ticket=chat.ticket).order_by("created_at", "id"))
        # the end notice is the last message: nothing is stored after the chat ended
        assert thread[-1].kind == "system"
