"""The screen-pop reaches only the answering agent: over the channel layer, and by polling."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from prakerja.helpdesk.realtime import agent_group

from .factories import Pbx, agent, next_call_id, pbx_token
from .test_events import at, new_call

pytestmark = pytest.mark.django_db


def _listen(user) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(agent_group(user.pk), channel)
    return channel


def _received(channel: str) -> list[dict]:
    layer = get_channel_layer()

    async def drain():
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.05))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


def test_answer_pops_to_the_answering_agent_only_after_commit(
    client, django_capture_on_commit_callbacks
):
    ani, budi = agent("ani", extension="201"), agent("budi", extension="202")
    ani_socket, budi_socket = _listen(ani), _listen(budi)
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    with django_capture_on_commit_callbacks(execute=True):
        pbx.ok(**new_call(cid))
        body = pbx.ok(event="answer", call_id=cid, agent="201", time=at(15))
        pbx.ok(event="answer", call_id=cid, agent="201", time=at(15))  # resent: no second pop
    received = _received(ani_socket)
    # the pop, and the phone ticket's assignment (the inbox refreshes its list on it)
    assert sorted(m["type"] for m in received) == ["screen.pop", "ticket.assigned"]
    [pop] = [m for m in received if m["type"] == "screen.pop"]
    assert (pop["call_id"], pop["caller_number"]) == (cid, "+6281234567890")
    assert pop["ticket_reference"] == body["ticket"]
    assert _received(budi_socket) == []


def test_transfer_pops_to_the_new_agent(client, django_capture_on_commit_callbacks):
    ani, budi = agent("ani", extension="201"), agent("budi", extension="202")
    ani_socket, budi_socket = _listen(ani), _listen(budi)
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    with django_capture_on_commit_callbacks(execute=True):
        pbx.ok(**new_call(cid))
        pbx.ok(event="answer", call_id=cid, agent="201", time=at(15))
    assert [m["type"] for m in _received(ani_socket)].count("screen.pop") == 1
    with django_capture_on_commit_callbacks(execute=True):
        pbx.ok(event="answer", call_id=cid, agent="202", time=at(60))
    assert _received(ani_socket) == []
    pops = [m for m in _received(budi_socket) if m["type"] == "screen.pop"]
    assert [m["call_id"] for m in pops] == [cid]


def test_nothing_pops_for_a_missed_call(client, django_capture_on_commit_callbacks):
    ani = agent("ani", extension="201")
    socket = _listen(ani)
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    with django_capture_on_commit_callbacks(execute=True):
        pbx.ok(**new_call(cid))
        pbx.ok(event="hangup", call_id=cid, cause="noAnswer", time=at(30))
    assert _received(socket) == []


def test_polling_fragment_shows_the_call_only_to_its_agent(client, django_assert_num_queries):
    from prakerja.core.tests.factories import UserFactory

    ani, budi = agent("ani", extension="201"), agent("budi", extension="202")
    UserFactory(phone="+6281234567890", full_name="Siti Participant")
    UserFactory(phone="+6281234567890", full_name="Siti Second Account")
    pbx = Pbx(client, pbx_token())
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    body = pbx.ok(event="answer", call_id=cid, agent="201")

    client.force_login(ani)
    with django_assert_num_queries(11):
        page = client.get("/agent/phone/pops/").content.decode()
    assert body["ticket"] in page
    assert "Siti Participant" in page
    assert "Siti Second Account" in page
    assert "+6281234567890" in page

    client.force_login(budi)
    page = client.get("/agent/phone/pops/").content.decode()
    assert body["ticket"] not in page
    assert "Siti" not in page


def test_polling_fragment_is_for_agents_only(client):
    from prakerja.core.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/agent/phone/pops/").status_code == 403
    client.logout()
    assert client.get("/agent/phone/pops/").status_code == 302


def test_agents_pages_carry_the_pop_panel_and_participants_pages_do_not(client):
    from prakerja.core.tests.factories import UserFactory

    client.force_login(agent("ani"))
    assert 'id="tel-pop"' in client.get("/agent/phone/").content.decode()
    home = client.get("/").content.decode()
    assert 'id="tel-pop"' in home
    assert "/agent/phone/callbacks/" in home
    client.force_login(UserFactory())
    home = client.get("/").content.decode()
    assert 'id="tel-pop"' not in home
    assert "/agent/phone/" not in home


def test_polling_answers_204_while_nothing_changed_and_links_the_ticket(client):
    ani = agent("ani", extension="201")
    pbx = Pbx(client, pbx_token())
    client.force_login(ani)
    assert client.get("/agent/phone/pops/", {"v": ""}).status_code == 204  # nothing, still nothing
    cid = next_call_id()
    pbx.ok(**new_call(cid))
    reference = pbx.ok(event="answer", call_id=cid, agent="201")["ticket"]
    client.force_login(ani)
    response = client.get("/agent/phone/pops/", {"v": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/agen/tiket/{reference}/" in page
    from prakerja.telephony.models import Call

    version = str(Call.objects.get(call_id=cid).pk)
    assert f'value="{version}"' in page
    assert client.get("/agent/phone/pops/", {"v": version}).status_code == 204
