"""Calls logged by hand; the after-call wrap-up from the screen-pop; simulate_calls."""

import io

import pytest
from django.core.management import call_command

from prakerja.helpdesk.models import Channel, Message, TicketStatus
from prakerja.telephony.models import Call, Callback, CallEvent
from prakerja.telephony.services import call_log_manual, call_wrap_up

from .factories import Pbx, agent, next_call_id, pbx_token
from .test_events import at, new_call

pytestmark = pytest.mark.django_db


def test_manual_log_creates_an_answered_call_and_a_phone_ticket_for_the_agent():
    ani = agent("ani")
    call = call_log_manual(
        agent=ani, number="0812 3456 7890", duration_minutes=4, notes="asked about wave 12"
    )
    assert (call.outcome, call.manual, call.caller_number) == ("answered", True, "+6281234567890")
    assert call.talking_seconds == 240
    assert call.ticket.channel == Channel.PHONE
    assert call.ticket.assignee == ani
    assert call.ticket.requester_phone == "+6281234567890"
    assert Message.objects.get(ticket=call.ticket).kind == "internal"


def test_manual_log_page_refuses_a_bad_number_with_the_error_and_saves_nothing(client):
    client.force_login(agent("ani"))
    response = client.post(
        "/agent/phone/log/", {"number": "12", "direction": "in", "duration_minutes": 1}
    )
    assert response.status_code == 422
    assert "0812-3456-7890" in response.content.decode()
    assert not Call.objects.exists()


def test_wrap_up_sets_category_note_and_resolves_the_phone_ticket(client):
    ani = agent("ani", extension="201")
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    pbx.ok(event="answer", call_id=cid, agent="201", time=at(5))
    call = Call.objects.select_related("ticket").get(call_id=cid)
    client.force_login(ani)
    response = client.post(
        f"/agent/phone/calls/{call.pk}/wrap-up/",
        {
            f"c{call.pk}-category": "certificate",
            f"c{call.pk}-notes": "resent",
            f"c{call.pk}-resolve": "on",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    call.refresh_from_db()
    call.ticket.refresh_from_db()
    assert call.pop_closed
    assert (call.ticket.category.slug, call.ticket.status) == ("certificate", TicketStatus.RESOLVED)
    # The number the SMS survey goes to travels on the ticket.
    assert call.ticket.requester_phone == "+6281234567890"
    assert cid not in response.content.decode()


def test_only_the_answering_agent_can_wrap_up_or_see_the_call(client):
    agent("ani", extension="201")
    budi = agent("budi")
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    pbx.ok(event="answer", call_id=cid, agent="201")
    call = Call.objects.get(call_id=cid)
    client.force_login(budi)
    assert client.post(f"/agent/phone/calls/{call.pk}/close-pop/").status_code == 404
    from prakerja.core.errors import Forbidden

    with pytest.raises(Forbidden):
        call_wrap_up(call=call, agent=budi, category_slug="other")


def test_simulate_calls_in_process_replays_a_day_with_every_outcome():
    for n, ext in enumerate(["201", "202", "203"]):
        agent(f"agent{n}", extension=ext)
    out = io.StringIO()
    call_command("simulate_calls", calls=80, in_process=True, date="2026-11-23", stdout=out)
    assert "errors 0" in out.getvalue()
    outcomes = set(Call.objects.values_list("outcome", flat=True))
    assert {"answered", "outside_hours"} <= outcomes
    assert outcomes & {"abandoned", "missed"}
    assert Call.objects.count() == 80
    assert not Call.objects.filter(state="ringing").exists()
    assert Callback.objects.exists()
    # Resends were ignored: one stored event per distinct event.
    assert CallEvent.objects.count() < int(out.getvalue().split(" events in")[0].split()[-1])


def test_resolving_a_phone_ticket_sends_the_survey_by_sms_to_the_caller(
    client, django_capture_on_commit_callbacks
):
    from prakerja.accounts.models import SmsOutbox

    ani = agent("ani", extension="201")
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    pbx.ok(**new_call(cid, frm="62 813-1111-2222"))
    pbx.ok(event="answer", call_id=cid, agent="201", time=at(5))
    call = Call.objects.select_related("ticket").get(call_id=cid)
    with django_capture_on_commit_callbacks(execute=True):
        call_wrap_up(call=call, agent=ani, category_slug="other", resolve=True)
    sms = SmsOutbox.objects.get()
    assert sms.to == "+6281311112222"
