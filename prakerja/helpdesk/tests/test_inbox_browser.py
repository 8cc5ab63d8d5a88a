"""Journey: from the one inbox screen an agent answers a live chat, answers a web ticket and takes
a phone call (the PBX's events sent through the API), with live updates over the agent socket;
then the same screen on a phone.

Served by the real ASGI app (uvicorn in a thread of the test process; pytest-django's
live_server has no websockets). Screenshots go to INBOX_SCREENSHOTS (default: the test's tmp
directory)."""

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client

from prakerja.helpdesk import services
from prakerja.helpdesk.models import AgentPresence, Channel, Ticket
from prakerja.livechat.models import Chat, ChatState
from prakerja.livechat.tests.live import online_agent, open_all_day
from prakerja.telephony.models import AgentExtension, Call
from prakerja.telephony.tests.factories import pbx_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]
PORTS = range(8600, 8650)  # the inbox's port range on the shared machine


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def asgi_server(seeded):
    import uvicorn

    from config.asgi import application

    port = next(p for p in PORTS if _free(p))
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("INBOX_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _logged_in(browser, base_url, user, *, width, height):
    session = Client()
    session.force_login(user)
    context = browser.new_context(
        base_url=base_url, locale="en-US", viewport={"width": width, "height": height}
    )
    context.add_cookies(
        [{"name": k, "value": v.value, "url": base_url} for k, v in session.cookies.items()]
    )
    context.set_default_timeout(15_000)
    return context


def _pbx(base_url: str, token: str, *payloads) -> None:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as pbx:
        for payload in payloads:
            assert pbx.post("/api/v1/telephony/events", json=payload).status_code == 200


def _guest_starts_a_chat(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="id-ID")
    context.set_default_timeout(15_000)
    guest = context.new_page()
    guest.set_viewport_size({"width": 390, "height": 800})
    guest.goto("/")
    guest.locator("#lc-launcher").click()
    guest.locator("#lc-name").fill("Sari Guest")
    guest.locator("#lc-email").fill("sari@example.test")
    guest.locator("#lc-question").fill("Insentif e-wallet saya belum masuk")
    guest.locator(".lc-form button[type=submit]").click()
    guest.locator(".lc-need-agent").click()
    return guest


def test_an_agent_answers_a_chat_a_ticket_and_a_call_from_one_screen(browser, asgi_server, shots):
    shift = open_all_day()
    # waiting before anyone is online, so routing has left it in the unassigned queue
    ticket = services.ticket_create(
        channel=Channel.WEB,
        subject="Sertifikat pelatihan belum terbit",
        description="Sudah dua minggu sertifikat saya belum ada.",
        name="Budi Peserta",
        email="budi@example.test",
    )
    rina = online_agent(shift, full_name="Rina Agen", username="rina")
    AgentExtension.objects.create(agent=rina, extension="201")
    # Written before the servers are busy: SQLite's shared in-memory database refuses this
    # thread's write while the server thread holds a table lock ("database table is locked").
    token = pbx_token()

    context = _logged_in(browser, asgi_server, rina, width=1366, height=900)
    page = context.new_page()
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto("/agen/")
    page.locator("#inbox-conn[data-state=open]").wait_for()
    page.locator("#tel-pop[data-socket=open]").wait_for(state="attached")  # one socket, shared

    # 1. A chat is offered live: the notice, the pinned row; opened, answered in the chat.
    guest = _guest_starts_a_chat(browser, asgi_server)
    page.locator("#inbox-notice").filter(has_text="Sari Guest").wait_for()
    chat = Chat.objects.get()
    assert (chat.state, chat.agent_id) == (ChatState.ACTIVE, rina.pk)
    row = page.locator(f'.inbox-pinned [data-key="chat-{chat.pk}"] a')
    row.click()
    page.locator(f'#conv[data-chat="{chat.pk}"]').wait_for()
    page.locator("#conv .thread").filter(has_text="Insentif e-wallet saya belum masuk").wait_for()
    # The guest's widget is connected and knows its agent before the agent writes (as in
    # livechat's browser test): a message sent before its socket joins would only come by replay.
    guest.locator("#lc-status").filter(has_text="Rina").wait_for()
    box = page.locator("#conv .inbox-chat-compose textarea")
    box.fill("Halo Sari, saya cek dulu ya.")
    box.press("Enter")
    guest.locator(".lc-theirs").filter(has_text="saya cek dulu").wait_for()
    guest.locator("#lc-input").fill("Terima kasih, saya tunggu")
    guest.locator("#lc-input").press("Enter")
    page.locator("#conv .thread .msg-requester").filter(has_text="saya tunggu").wait_for()
    page.screenshot(path=str(shots / "inbox-chat-1366.png"))

    # 2. The keyboard: "t" takes the next ticket (the web one; the chat is not in that queue).
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")
    page.locator(f'#conv[data-reference="{ticket.reference}"]').wait_for()
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.keyboard.type("Sertifikat sedang kami proses.")
    page.keyboard.press("Control+Enter")
    page.locator("#conv .thread").filter(has_text="Sertifikat sedang kami proses.").wait_for()
    page.select_option("#id_status", "resolved")
    page.locator("#conv .update-form button[type=submit]").click()
    page.locator("#conv .ticket-head .status-resolved").wait_for()
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status) == (rina.pk, "resolved")
    assert ticket.messages.filter(author=rina, kind="public").count() == 1
    page.keyboard.press("?")
    page.locator("#inbox-keys[open]").wait_for()
    page.screenshot(path=str(shots / "inbox-keys-1366.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("t")  # nothing left to take: a notice, the conversation stays
    page.locator("#inbox-notice:not([hidden])").wait_for()
    assert page.locator(f'#conv[data-reference="{ticket.reference}"]').count() == 1

    # 3. A call: the PBX reports it answered at extension 201; the screen-pop arrives over the
    # same socket, the call is pinned in the list; the agent opens it and notes the outcome.
    _pbx(
        asgi_server,
        token,
        {
            "event": "newCall",
            "call_id": "inbox-1",
            "direction": "in",
            "from": "0812-3456-7890",
            "to": "08001503001",
        },
        {"event": "answer", "call_id": "inbox-1", "agent": "201"},
    )
    call = Call.objects.select_related("ticket").get(call_id="inbox-1")
    page.locator("#inbox-notice").filter(has_text="7890").wait_for()
    page.locator(f'.inbox-pinned [data-key="call-{call.pk}"] a').click()
    page.locator(f'#conv[data-reference="{call.ticket.reference}"] .inbox-calls').wait_for()
    page.locator("#conv .ticket-head h1").click()  # out of any text box
    page.keyboard.press("n")
    assert page.evaluate("document.getElementById('id_internal').checked")
    page.keyboard.type("Penelepon menanyakan jadwal gelombang.")
    page.keyboard.press("Control+Enter")
    page.locator("#conv .msg-internal").filter(has_text="jadwal gelombang").wait_for()
    page.screenshot(path=str(shots / "inbox-call-1366.png"))
    assert call.ticket.messages.filter(author=rina, kind="internal").count() == 1
    # the screen-pop's wrap-up (telephony's own form) files the call; the pinned row goes
    page.select_option("#tel-pop select[name$=category]", "certificate")
    page.check("#tel-pop input[name$=resolve]")
    page.locator("#tel-pop form.tel-wrap button[type=submit]").click()
    page.locator("#tel-pop .tel-pop-card").wait_for(state="detached")
    call.ticket.refresh_from_db()
    assert (call.ticket.status, call.ticket.category.slug) == ("resolved", "certificate")

    # presence from the console, over the socket (which answers once it is stored)
    page.select_option("#presence-status", "away")
    page.locator("#presence-status[data-saved=away]").wait_for(state="attached")
    assert AgentPresence.objects.get(agent=rina).status == "away"
    page.select_option("#presence-status", "online")
    page.locator("#presence-status[data-saved=online]").wait_for(state="attached")

    # j/k walk the list; the tab counts agree with what is left to take
    page.locator('.inbox-tabs [data-queue="mine"]').click()
    page.locator('.inbox-tabs [data-queue="mine"][aria-current]').wait_for()
    page.locator("#inbox-notice").evaluate("n => n.hidden = true")
    page.keyboard.press("j")
    assert page.locator("#inbox-list .inbox-row.is-selected").count() == 1

    # 4. The same screen on a phone: the list, then the conversation in its place.
    phone = _logged_in(browser, asgi_server, rina, width=412, height=915).new_page()
    phone.goto("/agen/?queue=mine")
    phone.locator("#inbox-conn[data-state=open]").wait_for()
    phone.screenshot(path=str(shots / "inbox-list-412.png"), full_page=True)
    phone.locator(f'#inbox-list [data-key="t-{chat.ticket.reference}"] a').first.click()
    phone.locator(f'#conv[data-chat="{chat.pk}"]').wait_for()
    assert not phone.locator(".inbox-list-pane").is_visible()
    phone.locator("#conv .thread").filter(has_text="saya tunggu").wait_for()
    phone.screenshot(path=str(shots / "inbox-chat-412.png"), full_page=True)

    assert Ticket.objects.filter(assignee=rina).count() == 3
    assert script_errors == []
    phone.context.close()
    guest.context.close()
    context.close()
