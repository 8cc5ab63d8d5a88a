"""Event sequences through the real API: normal, missed, abandoned, outside hours, transferred,
duplicated, out of order; validation, token auth."""

import datetime as dt

import pytest

from prakerja.core import clock
from prakerja.core.tests.factories import UserFactory
from prakerja.helpdesk.models import Channel
from prakerja.telephony.models import Call, Callback, CallEvent

from .factories import Pbx, agent, next_call_id, pbx_token

pytestmark = pytest.mark.django_db

T0 = clock.local_datetime(2026, 11, 23, 10, 0)  # a Monday, within 08:00-20:00 WIB
CALLER = "+6281234567890"


def at(seconds: int, base: dt.datetime = T0) -> str:
    return (base + dt.timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def pbx(client):
    return Pbx(client, pbx_token())


def new_call(call_id, *, frm="0812-3456-7890", when=None):
    return {
        "event": "newCall",
        "call_id": call_id,
        "direction": "in",
        "from": frm,
        "to": "08001503001",
        "time": when or at(0),
    }


def test_normal_call_is_answered_with_durations_and_a_phone_ticket_for_the_agent(pbx):
    ani = agent("ani", extension="201")
    participant = UserFactory(phone=CALLER)
    cid = next_call_id()
    assert pbx.ok(**new_call(cid))["state"] == "ringing"
    body = pbx.ok(event="answer", call_id=cid, agent="201", time=at(20))
    assert body["outcome"] == "answered"
    assert body["ticket"]
    body = pbx.ok(event="hangup", call_id=cid, cause="normalClearing", time=at(200))
    assert body == {
        "call_id": cid,
        "duplicate": False,
        "state": "ended",
        "outcome": "answered",
        "ticket": body["ticket"],
        "waiting_seconds": 20,
        "talking_seconds": 180,
    }
    call = Call.objects.select_related("ticket").get(call_id=cid)
    assert call.agent == ani
    assert call.caller_number == CALLER
    assert call.dialled_number == "08001503001"
    assert call.ticket.channel == Channel.PHONE
    assert call.ticket.assignee == ani
    assert call.ticket.requester == participant
    assert call.ticket.requester_phone == CALLER
    assert call.callback is None
    assert not Callback.objects.exists()


def test_unanswered_call_is_missed_and_joins_the_callback_list(pbx):
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    body = pbx.ok(event="hangup", call_id=cid, cause="noAnswer", time=at(60))
    assert body["outcome"] == "missed"
    assert body["ticket"] is None
    assert (body["waiting_seconds"], body["talking_seconds"]) == (60, None)
    callback = Callback.objects.get()
    assert (callback.number, callback.missed_count, callback.status) == (CALLER, 1, "open")


def test_caller_hanging_up_in_the_queue_is_abandoned(pbx):
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    body = pbx.ok(event="hangup", call_id=cid, cause="cancel", time=at(35))
    assert body["outcome"] == "abandoned"
    assert body["waiting_seconds"] == 35
    assert Call.objects.get(call_id=cid).callback.number == CALLER


def test_call_outside_hours_is_recorded_as_such_and_called_back(pbx):
    night = clock.local_datetime(2026, 11, 23, 22, 15)
    cid = next_call_id()
    pbx.ok(**new_call(cid, when=night.isoformat()))
    body = pbx.ok(event="hangup", call_id=cid, cause="normalClearing", time=at(40, night))
    assert body["outcome"] == "outside_hours"
    assert Callback.objects.get().missed_count == 1


def test_transferred_call_ends_with_the_second_agent_and_the_ticket_follows(pbx):
    ani = agent("ani", extension="201")
    budi = agent("budi", extension="202")
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    first = pbx.ok(event="answer", call_id=cid, agent="201", time=at(10))
    pbx.ok(event="answer", call_id=cid, agent="budi", time=at(100))  # username works too
    pbx.ok(event="hangup", call_id=cid, cause="normalClearing", time=at(300))
    call = Call.objects.select_related("ticket").get(call_id=cid)
    assert (call.agent, call.transfers) == (budi, 1)
    assert (call.waiting_seconds, call.talking_seconds) == (10, 290)
    assert call.ticket.reference == first["ticket"]
    assert call.ticket.assignee == budi
    assert ani != budi


def test_every_event_sent_twice_changes_nothing_the_second_time(pbx):
    agent("ani", extension="201")
    cid = next_call_id()
    events = [
        new_call(cid),
        {"event": "answer", "call_id": cid, "agent": "201", "time": at(20)},
        {"event": "hangup", "call_id": cid, "cause": "normalClearing", "time": at(200)},
    ]
    for event in events:
        first = pbx.ok(**event)
        again = pbx.ok(**event)
        assert (first["duplicate"], again["duplicate"]) == (False, True)
        assert {**again, "duplicate": False} == first
    assert CallEvent.objects.filter(call__call_id=cid).count() == 3
    from prakerja.helpdesk.models import Ticket

    assert Ticket.objects.count() == 1


def test_duplicated_missed_call_counts_once_in_the_callback_list(pbx):
    cid = next_call_id()
    for _ in range(2):
        pbx.ok(**new_call(cid))
        pbx.ok(event="hangup", call_id=cid, cause="noAnswer", time=at(30))
    assert Callback.objects.get().missed_count == 1


def test_out_of_order_events_give_the_same_call(pbx):
    ani = agent("ani", extension="201")
    cid = next_call_id()
    pbx.ok(
        event="hangup",
        call_id=cid,
        cause="normalClearing",
        time=at(200),
        **{"from": "62812 3456 7890", "to": "08001503001", "direction": "in"},
    )
    # Until the answer arrives it looks abandoned and is in the callback list ...
    assert Callback.objects.get().missed_count == 1
    pbx.ok(event="answer", call_id=cid, agent="201", time=at(20))
    body = pbx.ok(**new_call(cid))
    # ... and then it is a normal answered call, and the callback entry is gone.
    assert body["outcome"] == "answered"
    assert (body["waiting_seconds"], body["talking_seconds"]) == (20, 180)
    call = Call.objects.get(call_id=cid)
    assert (call.agent, call.state, call.caller_number) == (ani, "ended", CALLER)
    assert call.ringing_at == T0
    assert not Callback.objects.exists()


def test_repeated_missed_calls_from_one_number_are_grouped(pbx):
    for n, number in enumerate(["0812-3456-7890", "+62 812 3456 7890", "6281234567890"]):
        cid = next_call_id()
        pbx.ok(**new_call(cid, frm=number, when=at(n * 600)))
        pbx.ok(event="hangup", call_id=cid, cause="cancel", time=at(n * 600 + 20))
    callback = Callback.objects.get()
    assert callback.missed_count == 3
    assert callback.first_missed_at == T0
    assert callback.last_missed_at == T0 + dt.timedelta(seconds=1200)
    assert callback.calls.count() == 3


def test_caller_who_gets_through_later_closes_their_open_callback(pbx):
    agent("ani", extension="201")
    missed = next_call_id()
    pbx.ok(**new_call(missed))
    pbx.ok(event="hangup", call_id=missed, cause="noAnswer", time=at(30))
    answered = next_call_id()
    pbx.ok(**new_call(answered, when=at(600)))
    pbx.ok(event="answer", call_id=answered, agent="201", time=at(610))
    callback = Callback.objects.get()
    assert (callback.status, callback.result) == ("done", "caller_called_again")


def test_hidden_number_is_recorded_but_not_called_back(pbx):
    cid = next_call_id()
    pbx.ok(**new_call(cid, frm="anonymous"))
    pbx.ok(event="hangup", call_id=cid, cause="cancel", time=at(5))
    call = Call.objects.get(call_id=cid)
    assert (call.caller_number, call.from_raw, call.outcome) == ("", "anonymous", "abandoned")
    assert not Callback.objects.exists()


def test_unknown_agent_still_records_the_answer_with_an_unassigned_ticket(pbx):
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    body = pbx.ok(event="answer", call_id=cid, agent="999", time=at(5))
    call = Call.objects.select_related("ticket").get(call_id=cid)
    assert (body["outcome"], call.agent, call.agent_label) == ("answered", None, "999")
    assert call.ticket.assignee is None


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"event": "ring", "call_id": "x"}, {"event"}),
        ({"event": "newCall", "call_id": ""}, {"call_id", "direction", "from", "to"}),
        (
            {"event": "newCall", "call_id": "x", "direction": "sideways", "from": "1", "to": "2"},
            {"direction"},
        ),
        ({"event": "answer", "call_id": "x"}, {"agent"}),
        ({"event": "hangup", "call_id": "x", "cause": "tired"}, {"cause"}),
        ({"event": "hangup", "call_id": "x", "cause": "busy", "time": "yesterday"}, {"time"}),
        (
            {"event": "hangup", "call_id": "x", "cause": "busy", "time": "2026-11-23T10:00:00"},
            {"time"},
        ),
        ({"call_id": "x"}, {"event"}),
        ({"event": "answer", "call_id": "x" * 101, "agent": "201"}, {"call_id"}),
    ],
)
def test_bad_payload_is_422_with_field_errors_and_saves_nothing(pbx, payload, fields):
    response = pbx.send(**payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == fields
    assert not Call.objects.exists()
    assert not CallEvent.objects.exists()


def test_malformed_json_is_refused_without_a_500(pbx):
    response = pbx.client.post(
        "/api/v1/telephony/events",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {pbx.token}",
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("header", [None, "Bearer nope", "Token abc"])
def test_missing_or_bad_token_is_401(client, header):
    pbx_token()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/telephony/events", new_call("c1"), content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not Call.objects.exists()


def test_token_of_a_user_without_the_permission_is_403(client):
    from prakerja.core.services import api_token_create

    _, raw = api_token_create(user=agent("ani"), name="not-a-pbx")
    response = Pbx(client, raw).send(**new_call("c1"))
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_session_login_is_not_enough(client):
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(
        "/api/v1/telephony/events", new_call("c1"), content_type="application/json"
    )
    assert response.status_code == 401


def test_a_deadlock_victim_is_retried_and_other_database_errors_are_not(monkeypatch):
    from django.db import OperationalError

    from prakerja.telephony.services import events as services

    class Deadlock(Exception):
        sqlstate = "40P01"

    real = services._call_event_record
    failures = iter([Deadlock(), None])

    def flaky(**kwargs):
        cause = next(failures)
        if cause is not None:
            raise OperationalError("deadlock detected") from cause
        return real(**kwargs)

    monkeypatch.setattr(services, "_call_event_record", flaky)
    monkeypatch.setattr(services, "_in_transaction", lambda: False)
    result = services.call_event_record(
        event="newCall",
        call_id="d-1",
        direction="in",
        from_number="081234567890",
        to_number="08001503001",
    )
    assert result.call.call_id == "d-1"

    def broken(**kwargs):
        raise OperationalError("disk full")

    monkeypatch.setattr(services, "_call_event_record", broken)
    with pytest.raises(OperationalError):
        services.call_event_record(event="newCall", call_id="d-2")
