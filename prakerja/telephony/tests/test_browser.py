"""Journey: an agent has the workspace open; the PBX reports an answer; the call pops up."""

import httpx
import pytest
from django.test import Client

from prakerja.core.tests.factories import UserFactory
from prakerja.telephony.models import Call

from .factories import agent, pbx_token

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_answer_event_pops_the_ticket_in_the_agents_open_workspace(page, live_server, seeded):
    ani = agent("ani", extension="201")
    UserFactory(phone="+6281234567890", full_name="Siti Rahayu")
    token = pbx_token()

    session = Client()
    session.force_login(ani)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto("/agent/phone/")
    page.locator("#tel-pop").wait_for(state="attached")
    assert page.locator("#tel-pop .tel-pop-card").count() == 0

    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as pbx:
        for payload in (
            {
                "event": "newCall",
                "call_id": "b-1",
                "direction": "in",
                "from": "0812-3456-7890",
                "to": "08001503001",
            },
            {"event": "answer", "call_id": "b-1", "agent": "201"},
        ):
            assert pbx.post("/api/v1/telephony/events", json=payload).status_code == 200
    reference = Call.objects.select_related("ticket").get(call_id="b-1").ticket.reference

    card = page.locator("#tel-pop .tel-pop-card")
    card.wait_for(timeout=15_000)
    assert reference in card.inner_text()
    assert "Siti Rahayu" in card.inner_text()

    # The agent files it: category, note, resolved; the panel empties and stays empty.
    page.select_option("#tel-pop select[name$=category]", "certificate")
    page.fill("#tel-pop textarea[name$=notes]", "Certificate re-sent")
    page.check("#tel-pop input[name$=resolve]")
    page.locator("#tel-pop form.tel-wrap button[type=submit]").click()
    card.wait_for(state="detached")
    call = Call.objects.select_related("ticket__category").get(call_id="b-1")
    assert (call.ticket.status, call.ticket.category.slug) == ("resolved", "certificate")
