"""Two Chromium pages, a participant and an agent, chatting end to end over websockets.

pytest-django's live_server is WSGI (no websockets), so these tests serve the real ASGI app
(`config.asgi.application`) with uvicorn in a thread of the test process, on the test database.
"""

import threading
import time

import pytest
from django.test import Client

from prakerja.livechat.models import Chat, ChatState

from .live import free_port, online_agent, open_all_day

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]


@pytest.fixture
def asgi_server(seeded):
    import uvicorn

    from config.asgi import application

    port = free_port()
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
def all_day_shift():
    return open_all_day()


def _context_logged_in(browser, base_url, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=base_url, locale="id-ID")
    context.add_cookies(
        [{"name": k, "value": v.value, "url": base_url} for k, v in client.cookies.items()]
    )
    context.set_default_timeout(10_000)
    return context


def test_participant_and_agent_chat_end_to_end_with_a_reload(browser, asgi_server, all_day_shift):
    agent = online_agent(all_day_shift, full_name="Rina Agen", username="rina")

    agent_context = _context_logged_in(browser, asgi_server, agent)
    agent_page = agent_context.new_page()
    agent_page.goto("/livechat/agent/")
    agent_page.locator("#lcw-conn").filter(has_text="Terhubung").wait_for()

    guest_context = browser.new_context(base_url=asgi_server, locale="id-ID")
    guest_context.set_default_timeout(10_000)
    guest = guest_context.new_page()
    guest.set_viewport_size({"width": 390, "height": 800})  # a phone
    guest.goto("/")
    guest.locator("#lc-launcher").click()
    guest.locator("#lc-name").fill("Sari Guest")
    guest.locator("#lc-email").fill("sari@example.test")
    guest.locator("#lc-question").fill("Insentif e-wallet saya belum masuk")
    guest.keyboard.press("Tab")
    guest.locator(".lc-form button[type=submit]").press("Enter")  # keyboard only
    # the FAQ answerer offers articles first; the person still wants an agent
    guest.locator(".lc-suggestions li").first.wait_for()
    guest.locator(".lc-need-agent").click()

    # the agent gets the chat in real time, with the question
    card = agent_page.locator(".lcw-chat").first
    card.wait_for()
    assert "Sari Guest" in card.locator(".lcw-name").inner_text()
    card.locator(".lcw-log").filter(has_text="Insentif e-wallet saya belum masuk").wait_for()
    guest.locator("#lc-status").filter(has_text="Rina").wait_for()

    reply_box = card.locator("textarea")
    reply_box.fill("Halo Sari, saya cek dulu ya.")
    reply_box.press("Enter")
    guest.locator(".lc-theirs").filter(has_text="saya cek dulu").wait_for()

    guest.locator("#lc-input").fill("Nomor HP saya 0812-3456-7890 <b>tebal</b>")
    guest.locator("#lc-input").press("Enter")
    card.locator(".lcw-theirs").filter(has_text="<b>tebal</b>").wait_for()  # shown as text
    guest.locator(".lc-mine[data-state=sent], .lc-mine[data-state=read]").last.wait_for()

    # reload in the middle: the chat comes back with its history, once
    guest.reload()
    guest.locator("#lc-log, .lc-log").first.wait_for()
    guest.locator(".lc-theirs").filter(has_text="saya cek dulu").wait_for()
    assert guest.locator(".lc-mine").filter(has_text="0812-3456-7890").count() == 1
    assert guest.locator(".lc-theirs").filter(has_text="saya cek dulu").count() == 1

    guest.locator("#lc-input").fill("Masih di sini setelah muat ulang")
    guest.locator("#lc-input").press("Enter")
    card.locator(".lcw-theirs").filter(has_text="setelah muat ulang").wait_for()

    # the agent ends the chat; the participant is asked for a rating inline
    agent_page.once("dialog", lambda dialog: dialog.accept())
    card.locator(".lcw-end").click()
    guest.locator(".lc-rating").wait_for()
    guest.locator("label[for=lc-rate-5]").click()
    guest.locator(".lc-rating button[type=submit]").click()
    guest.locator(".lc-rating [role=status]").wait_for()

    chat = Chat.objects.get()
    assert chat.state == ChatState.ENDED
    assert chat.rating == 5
    bodies = list(chat.ticket.messages.filter(kind="public").values_list("body", flat=True))
    assert bodies == [
        "Insentif e-wallet saya belum masuk",
        "Halo Sari, saya cek dulu ya.",
        "Nomor HP saya 0812-3456-7890 <b>tebal</b>",
        "Masih di sini setelah muat ulang",
    ]
    agent_context.close()
    guest_context.close()
