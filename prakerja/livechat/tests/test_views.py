import json

import pytest
import time_machine
from django.test import Client

from prakerja.core import clock
from prakerja.helpdesk.models import Channel, Ticket
from prakerja.livechat import services
from prakerja.livechat.models import Chat, ChatState

from .factories import agent, on_shift_agent, participant, queued_chat, supervisor

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


GUEST = {"name": "Sari", "email": "sari@example.test"}


def test_widget_status_and_start_at_19_59_59_then_closed_at_20_00_00(client):
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 19, 59, 59), tick=False):
        status = client.get("/livechat/status").json()
        assert (status["open"], status["accepting"]) == (True, True)
        response = post(client, "/livechat/start", {**GUEST, "question": "Sertifikat belum ada"})
        assert response.status_code == 201
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 20, 0, 0), tick=False):
        other = Client()
        status = other.get("/livechat/status").json()
        assert status["open"] is False
        assert status["reason"] == "closed"
        assert status["next_open"] == "08.00"  # shown as text, in the Indonesian format
        assert status["hotline"] == "0800-150-3001"
        response = post(other, "/livechat/start", {**GUEST, "question": "Halo?"})
        assert response.status_code == 409
        assert response.json()["code"] == "chat_closed"
        # the widget offers to leave the typed text as a message: a web ticket
        response = post(other, "/livechat/message", {**GUEST, "body": "Halo?"})
        assert response.status_code == 201
        ticket = Ticket.objects.get(reference=response.json()["reference"])
        assert ticket.channel == Channel.WEB
        assert ticket.description == "Halo?"
        # the chat queued a second before closing is still there
        assert Chat.objects.filter(state=ChatState.QUEUED).count() == 1


def test_start_again_resumes_the_open_chat_in_this_session(client, frozen_open_hours):
    first = post(client, "/livechat/start", {**GUEST, "question": "Pertanyaan"}).json()
    again = post(client, "/livechat/start", {**GUEST, "question": "Lagi"})
    assert again.status_code == 200
    assert again.json() == {"chat": first["chat"], "resumed": True}
    assert client.get("/livechat/status").json()["chat"] == first["chat"]
    assert Client().get("/livechat/status").json()["chat"] is None


def test_start_reports_field_errors(client, frozen_open_hours):
    response = post(client, "/livechat/start", {"name": "", "email": "x", "question": ""})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"body"}
    response = post(client, "/livechat/start", {"name": "", "email": "x", "question": "Halo"})
    assert set(response.json()["errors"]) == {"name", "email"}
    response = client.post("/livechat/start", data="{nope", content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"name": "Sari", "email": "sari@example.test", "question": "Halo"}', "text/plain"),
        ({"name": "Sari", "email": "sari@example.test", "question": "Halo"}, None),  # multipart
    ],
)
def test_widget_posts_take_json_only(client, frozen_open_hours, body, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post("/livechat/start", body, **kwargs)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Chat.objects.exists()


def test_widget_posts_need_the_csrf_token(frozen_open_hours):
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/livechat/start", {**GUEST, "question": "Halo"})
    assert response.status_code == 403
    assert not Chat.objects.exists()


def test_faq_suggestions_come_from_the_knowledge_base_and_deflection_is_recorded(
    client, frozen_open_hours
):
    found = client.get("/livechat/suggestions", {"q": "insentif e-wallet belum masuk"}).json()
    slugs = [s["slug"] for s in found["suggestions"]]
    assert "menggunakan-e-wallet" in slugs
    assert found["suggestions"][0]["url"].startswith("/")
    response = post(
        client,
        "/livechat/deflect",
        {"question": "insentif e-wallet", "article": slugs[0], **GUEST},
    )
    assert response.status_code == 201
    chat = Chat.objects.get()
    assert chat.state == ChatState.DEFLECTED
    assert chat.deflected_by == slugs[0]


def test_launcher_is_on_public_pages_once_and_not_on_the_agent_workspace(client):
    page = client.get("/").content.decode()
    assert page.count('id="lc-launcher"') == 1
    assert "livechat/widget.js" in page
    assert "<script>" not in page  # CSP: no inline scripts
    user = agent()
    client.force_login(user)
    workspace = client.get("/livechat/agent/")
    assert workspace.status_code == 200
    assert 'id="lc-launcher"' not in workspace.content.decode()


def test_workspace_and_supervisor_pages_need_roles(client, frozen_open_hours):
    client.force_login(participant())
    assert client.get("/livechat/agent/").status_code == 403
    assert client.get("/livechat/supervisor/").status_code == 403
    client.force_login(agent(username="plain-agent"))
    assert client.get("/livechat/supervisor/").status_code == 403
    client.force_login(supervisor())
    assert client.get("/livechat/supervisor/").status_code == 200


def test_supervisor_live_view_lists_queue_and_agents_within_a_query_budget(
    client, frozen_open_hours, django_assert_num_queries
):
    for i in range(3):
        on_shift_agent(username=f"ag{i}", full_name=f"Agen {i}")
    for i in range(11):
        queued_chat(email=f"q{i}@example.test", question=f"Pertanyaan nomor {i}")
    services.chats_dispatch()
    client.force_login(supervisor())
    with django_assert_num_queries(10):
        response = client.get("/livechat/supervisor/live")
    html = response.content.decode()
    assert "Pertanyaan nomor 9" in html  # waiting
    assert "Pertanyaan nomor 10" in html
    assert html.count("?watch=") == 9
    assert "Agen 0" in html


def test_message_html_is_escaped_in_the_supervisor_view(client, frozen_open_hours):
    queued_chat(question="<script>alert(1)</script>")
    client.force_login(supervisor())
    html = client.get("/livechat/supervisor/live").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_sweep_command_closes_idle_chats(frozen_open_hours):
    import datetime as dt

    from django.core.management import call_command

    on_shift_agent()
    chat = queued_chat()
    services.chats_dispatch()
    frozen_open_hours.shift(dt.timedelta(minutes=11))
    call_command("livechat_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    chat.refresh_from_db()
    assert chat.state == ChatState.ENDED


def test_deflection_counts_only_for_an_article_suggested_to_this_session(client, frozen_open_hours):
    """A script posting to /livechat/deflect cannot inflate the deflected-chat figures."""
    forged = post(client, "/livechat/deflect", {"question": "x", "article": "cara-daftar", **GUEST})
    assert forged.status_code == 409
    assert forged.json()["code"] == "article_not_suggested"
    slugs = [
        s["slug"]
        for s in client.get("/livechat/suggestions", {"q": "insentif e-wallet"}).json()[
            "suggestions"
        ]
    ]
    other = Client()
    assert (
        post(other, "/livechat/deflect", {"question": "x", "article": slugs[0]}).status_code == 409
    )
    assert (
        post(client, "/livechat/deflect", {"question": "x", "article": slugs[0]}).status_code == 201
    )
    # once per suggestion list
    again = post(client, "/livechat/deflect", {"question": "x", "article": slugs[0]})
    assert again.status_code == 409
    assert Chat.objects.filter(state=ChatState.DEFLECTED).count() == 1
