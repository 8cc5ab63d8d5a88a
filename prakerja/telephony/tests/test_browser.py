"""Journey: an agent has the workspace open; the PBX reports an answer; the call pops up with
the caller's participant record and the phone ticket, and the agent files it.

Over the websocket: the real ASGI app (`config.asgi.application`) served by uvicorn in a thread
of the test process (pytest-django's live_server is WSGI). Without a websocket (live_server):
the panel's polling fallback.
"""

import socket
import threading
import time

import httpx
import pytest
from django.test import Client

from prakerja.core.tests.factories import UserFactory
from prakerja.telephony.models import Call

from .factories import agent, pbx_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]
PORTS = range(8450, 8500)  # this app's port range on shared machines


@pytest.fixture
def asgi_server():
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


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _open_as(browser, base_url: str, user, path: str):
    session = Client()
    session.force_login(user)
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": k, "value": v.value, "url": base_url} for k, v in session.cookies.items()]
    )
    page = context.new_page()
    page.goto(path)
    return page


def _pbx_answers(base_url: str, call_id: str) -> str:
    token = pbx_token()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as pbx:
        for payload in (
            {
                "event": "newCall",
                "call_id": call_id,
                "direction": "in",
                "from": "0812-3456-7890",
                "to": "08001503001",
            },
            {"event": "answer", "call_id": call_id, "agent": "201"},
        ):
            assert pbx.post("/api/v1/telephony/events", json=payload).status_code == 200
    return Call.objects.select_related("ticket").get(call_id=call_id).ticket.reference


def test_answer_event_pops_the_ticket_over_the_socket_in_the_open_workspace(browser, asgi_server):
    ani = agent("ani", extension="201")
    UserFactory(phone="+6281234567890", full_name="Siti Rahayu")
    UserFactory(phone="+6281234567890", full_name="Siti Kedua")
    page = _open_as(browser, asgi_server, ani, "/agen/")
    # The socket is up, so the panel has stopped polling: what appears now came over it.
    page.locator("#tel-pop[data-socket=open]").wait_for(state="attached")
    assert page.locator("#tel-pop .tel-pop-card").count() == 0

    reference = _pbx_answers(asgi_server, "ws-1")

    card = page.locator("#tel-pop .tel-pop-card")
    card.wait_for()
    text = card.inner_text()
    assert reference in text
    assert "Siti Rahayu" in text
    assert "Siti Kedua" in text  # several accounts with the number: all listed

    # The agent files it: category, note, resolved; the panel empties.
    page.select_option("#tel-pop select[name$=category]", "certificate")
    page.fill("#tel-pop textarea[name$=notes]", "Certificate re-sent")
    page.check("#tel-pop input[name$=resolve]")
    page.locator("#tel-pop form.tel-wrap button[type=submit]").click()
    card.wait_for(state="detached")
    call = Call.objects.select_related("ticket__category").get(call_id="ws-1")
    assert (call.ticket.status, call.ticket.category.slug) == ("resolved", "certificate")
    page.context.close()


def test_without_a_socket_the_panel_polls_and_still_pops(browser, live_server):
    ani = agent("ani", extension="201")
    page = _open_as(browser, live_server.url, ani, "/agent/phone/")
    page.locator("#tel-pop").wait_for(state="attached")

    reference = _pbx_answers(live_server.url, "poll-1")

    page.locator("#tel-pop .tel-pop-card").wait_for()
    assert reference in page.locator("#tel-pop .tel-pop-card").inner_text()
    assert page.locator("#tel-pop").get_attribute("data-socket") != "open"
    page.context.close()
