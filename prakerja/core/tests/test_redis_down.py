"""With REDIS_URL set and Redis unreachable the site degrades instead of answering 500.

The cache points at a closed port (127.0.0.1:1), as production's settings would with Redis down:
pages, sign-up, log-in and ticket intake (web and API) still work, rate limits still count (in the
process's memory), and /readyz says "degraded" naming redis.
"""

import logging

import pytest
import time_machine
from django.core.cache import cache

from prakerja.accounts.models import User
from prakerja.core import cache as fallback_cache
from prakerja.core import clock
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db

DOWN_URL = "redis://127.0.0.1:1/0"
BACKEND = "prakerja.core.cache.FallbackRedisCache"

TICKET = {
    "channel": "web",
    "category": "certificate",
    "subject": "Sertifikat",
    "description": "Belum terbit.",
    "name": "Andi",
    "email": "andi@example.test",
    "phone": "+6281311112222",
}
FORM = {
    "name": "Siti Aminah",
    "email": "siti@example.test",
    "phone": "081234567890",
    "category": "account-linking",
    "subject": "Tidak bisa menautkan e-wallet",
    "description": "Kode OTP tidak pernah masuk.",
    "website": "",
}


@pytest.fixture(autouse=True)
def redis_down(settings):
    """Production's Redis settings, with Redis gone."""
    fallback_cache._down_until.clear()
    settings.REDIS_URL = DOWN_URL
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": DOWN_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "prakerja.livechat.layers.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": DOWN_URL, "socket_connect_timeout": 0.5}]},
        }
    }
    settings.SIGNUP_ADMISSION_RATE = 40
    cache.clear()
    yield
    cache.clear()
    fallback_cache._down_until.clear()


def assert_no_5xx(response, url):
    assert response.status_code < 500, (url, response.status_code, response.content[:300])


ANONYMOUS_PAGES = [
    "/",
    "/daftar/",
    "/masuk/",
    "/pengaduan/",
    "/pengaduan/lacak/",
    "/bantuan/",
    "/pengumuman/",
    "/statistik/",
    "/livechat/status",
    "/no-such-page/",
]
ROLE_PAGES = {
    "participant": ["/dasbor/", "/pengaduan/saya/", "/akun/identitas/"],
    "agent": ["/agen/", "/livechat/agent/", "/agent/phone/", "/agent/phone/callbacks/"],
    "supervisor": ["/agen/supervisor/", "/livechat/supervisor/", "/laporan/"],
    "pmo_admin": ["/dasbor/", "/pmo/pratinjau/", "/admin/"],
}


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_anonymous_pages_render(client, url):
    response = client.get(url)
    assert_no_5xx(response, url)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(("role", "urls"), ROLE_PAGES.items())
def test_pages_of_every_role_render(client, role, urls):
    client.force_login(user_with_role(role))
    for url in urls:
        response = client.get(url)
        assert_no_5xx(response, url)
        assert response.status_code == 200, (url, response.status_code)


def test_complaint_form_and_api_intake_store_tickets(client):
    response = client.post("/pengaduan/", FORM)
    assert response.status_code == 302, response.content[:500]
    response = client.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert Ticket.objects.count() == 2

    tracked = client.get(
        f"/api/v1/tickets/{reference}", {"email": TICKET["email"]}, HTTP_ACCEPT="application/json"
    )
    assert tracked.status_code == 200, tracked.content
    page = client.post("/pengaduan/lacak/", {"reference": reference, "email": TICKET["email"]})
    assert page.status_code == 302


def test_sign_up_passes_the_waiting_room_and_logs_in(client):
    response = client.post(
        "/api/v1/accounts",
        {
            "full_name": "Siti Aminah",
            "email": "siti@example.test",
            "password": "kuat-sekali-2021!",
            "phone": "0812-3456-7890",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert User.objects.filter(email="siti@example.test").exists()
    assert client.get("/api/v1/accounts/me").status_code == 200


def test_rate_limits_keep_counting_in_process_memory(client, settings):
    """The stated direction: neither open nor closed, but per process (docs/OPERATIONS.md)."""
    settings.HELPDESK_INTAKE_PER_EMAIL = 2
    for _ in range(2):
        created = client.post("/api/v1/tickets", TICKET, content_type="application/json")
        assert created.status_code == 201
    refused = client.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


def test_the_outage_is_logged_once_not_per_request(client, caplog):
    fallback_cache._down_until.clear()
    with caplog.at_level(logging.WARNING, logger="prakerja.core.cache"):
        for _ in range(3):
            assert client.get("/").status_code == 200
    assert [r.message for r in caplog.records] == ["cache.redis_unavailable"]


def test_readyz_is_degraded_naming_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
        "degraded": ["redis"],
    }


def test_live_chat_is_unavailable_and_offers_to_leave_a_message(client):
    """Redis carries the channel layer too: no new chats, the widget's message form instead."""
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 10, 0), tick=False):
        status = client.get("/livechat/status").json()
        assert (status["open"], status["accepting"], status["reason"]) == (
            True,
            False,
            "unavailable",
        )
        started = client.post(
            "/livechat/start",
            {"name": "Andi", "email": "andi@example.test", "question": "Sertifikat belum terbit"},
            content_type="application/json",
        )
        assert started.status_code == 409
        assert started.json()["code"] == "chat_unavailable"
        left = client.post(
            "/livechat/message",
            {"name": "Andi", "email": "andi@example.test", "body": "Sertifikat belum terbit"},
            content_type="application/json",
        )
        assert left.status_code == 201, left.content
