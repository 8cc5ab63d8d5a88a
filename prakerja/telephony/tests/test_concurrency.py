"""Events of one call arriving at the same moment on several connections (PostgreSQL)."""

import random
import threading

import pytest
from django.db import connection

from prakerja.telephony.models import Call, CallEvent
from prakerja.telephony.services import call_event_record

from .factories import agent
from .test_events import T0, at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_events_of_the_same_calls_give_correct_calls(seeded):
    agent("ani", extension="201")
    calls = [f"race-{n}" for n in range(6)]
    work = []
    for cid in calls:
        base = {
            "call_id": cid,
            "direction": "in",
            "from_number": "081234567890",
            "to_number": "08001503001",
        }
        work += [
            {**base, "event": "newCall", "occurred_at": T0},
            {**base, "event": "answer", "agent": "201", "occurred_at": T0.fromisoformat(at(20))},
            {
                **base,
                "event": "hangup",
                "cause": "normalClearing",
                "occurred_at": T0.fromisoformat(at(200)),
            },
        ]
    work += work[:6]  # some resends racing their originals
    random.Random(4).shuffle(work)
    lanes = [work[i::6] for i in range(6)]
    barrier = threading.Barrier(len(lanes))
    errors: list[BaseException] = []

    def send(lane):
        try:
            barrier.wait()
            for kwargs in lane:
                call_event_record(**kwargs)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(lane,)) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert CallEvent.objects.count() == 18
    for call in Call.objects.select_related("ticket"):
        assert (call.outcome, call.waiting_seconds, call.talking_seconds) == ("answered", 20, 180)
        assert call.ticket is not None
    assert Call.objects.count() == 6
    from prakerja.helpdesk.models import Ticket

    assert Ticket.objects.count() == 6
