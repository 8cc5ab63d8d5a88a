"""Queue metrics of calls and chats (service level, speed of answer, abandonment, deflection),
from contacts made through the real telephony and live-chat services."""

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from prakerja.core.clock import local_datetime
from prakerja.livechat import services as chats
from prakerja.livechat.tests.factories import on_shift_agent
from prakerja.reports import selectors
from prakerja.reports.models import ContactDailyRollup
from prakerja.reports.services import contact_rollup_refresh, contact_rollup_refresh_recent
from prakerja.telephony.services import call_event_record
from prakerja.telephony.tests.factories import agent as phone_agent

pytestmark = pytest.mark.django_db
DAY = local_datetime(2026, 3, 3, 9)  # a Tuesday, 09:00 WIB


def _call(call_id: str, at: dt.datetime, *, answer_after: int | None, cause="normalClearing"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_event_record(
            event="newCall",
            call_id=call_id,
            occurred_at=at,
            direction="in",
            from_number="081234567890",
            to_number="08001503001",
        )
        if answer_after is not None:
            call_event_record(
                event="answer",
                call_id=call_id,
                agent="ag1",
                occurred_at=at + dt.timedelta(seconds=answer_after),
            )
        call_event_record(
            event="hangup",
            call_id=call_id,
            cause=cause,
            occurred_at=at + dt.timedelta(seconds=(answer_after or 0) + 60),
        )


def _chat(at: dt.datetime, *, wait: int | None, email: str):
    """A chat queued at `at`; answered after `wait` seconds, or given up after 90 s."""
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        chat = chats.chat_start(requester=None, name="Warga", email=email, question="Saldo?")
    if wait is None:
        with (
            time_machine.travel(at + dt.timedelta(seconds=90), tick=False),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            chats.chat_end(chat=chat, actor=None, by_participant=True)
        return
    with (
        time_machine.travel(at + dt.timedelta(seconds=wait), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        agent = on_shift_agent(username=f"chat-{email}")
        assert chats.chat_claim_next() is not None
        agent.is_active = False  # off the pool, so the next chat waits for its own agent
        agent.save(update_fields=["is_active"])


@pytest.fixture
def contacts():
    phone_agent("ag1")
    # Calls: answered in 10 s and in 50 s, one abandoned while ringing, one outside hours.
    _call("c1", DAY, answer_after=10)
    _call("c2", DAY + dt.timedelta(minutes=5), answer_after=50)
    _call("c3", DAY + dt.timedelta(minutes=9), answer_after=None, cause="cancel")
    _call("c4", local_datetime(2026, 3, 3, 22), answer_after=None, cause="cancel")
    # Chats: answered in 30 s, answered in 120 s, given up while queued; one solved by an article.
    _chat(DAY, wait=30, email="a@example.test")
    _chat(DAY + dt.timedelta(minutes=10), wait=120, email="b@example.test")
    _chat(DAY + dt.timedelta(minutes=20), wait=None, email="c@example.test")
    with time_machine.travel(DAY, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        chats.chat_deflect(
            requester=None,
            name="Warga",
            email="d@example.test",
            question="Cara daftar?",
            article="Cara mendaftar",
        )


EXPECTED = {
    "phone": {
        "offered": 3,
        "answered": 2,
        "abandoned": 1,
        "average_speed_of_answer": 30.0,  # (10 + 50) / 2
        "abandonment_rate": 33.3,
        "service_level": 33.3,  # only the 10 s answer is within 20 s, of 3 offered
    },
    "chat": {
        "offered": 3,
        "answered": 2,
        "abandoned": 1,
        "average_speed_of_answer": 75.0,  # (30 + 120) / 2
        "abandonment_rate": 33.3,
        "service_level": 33.3,  # 30 s is within 60 s; 120 s is not
    },
    "chats_started": 4,
    "deflected": 1,
    "deflection_rate": 25.0,
}


def test_live_days_are_read_from_the_calls_and_chats(contacts):
    with time_machine.travel(DAY + dt.timedelta(hours=3), tick=False):
        assert ContactDailyRollup.objects.count() == 0
        figures = selectors.contact_metrics(start=DAY.date(), end=DAY.date())
    assert figures == EXPECTED


def test_settled_days_are_read_from_the_rollup_and_agree(contacts):
    with time_machine.travel(DAY + dt.timedelta(hours=3), tick=False):
        contact_rollup_refresh_recent()  # the scheduler's job, on the day itself
    assert ContactDailyRollup.objects.filter(local_date=DAY.date()).count() == 2
    with time_machine.travel(DAY + dt.timedelta(days=30), tick=False):
        assert selectors.contact_metrics(start=DAY.date(), end=DAY.date()) == EXPECTED


def test_refresh_rewrites_a_range_and_is_idempotent(contacts):
    contact_rollup_refresh(start=DAY.date(), end=DAY.date())
    first = list(
        ContactDailyRollup.objects.order_by("channel").values(
            "local_date",
            "channel",
            "started",
            "offered",
            "answered",
            "answered_in_target",
            "answer_seconds",
            "abandoned",
        )
    )
    contact_rollup_refresh(start=DAY.date(), end=DAY.date())
    assert (
        list(
            ContactDailyRollup.objects.order_by("channel").values(
                "local_date",
                "channel",
                "started",
                "offered",
                "answered",
                "answered_in_target",
                "answer_seconds",
                "abandoned",
            )
        )
        == first
    )
    assert first[0] == {
        "local_date": DAY.date(),
        "channel": "chat",
        "started": 4,
        "offered": 3,
        "answered": 2,
        "answered_in_target": 1,
        "answer_seconds": 150,
        "abandoned": 1,
    }


def test_a_quiet_range_has_no_rates():
    figures = selectors.contact_metrics(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert figures["phone"] == {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "average_speed_of_answer": None,
        "abandonment_rate": None,
        "service_level": None,
    }
    assert figures["deflection_rate"] is None
