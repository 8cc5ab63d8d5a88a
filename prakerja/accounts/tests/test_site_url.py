"""Every link sent by e-mail starts with the configured SITE_URL, whatever host the request used."""

import re

import pytest
from django.core import mail

from .factories import ParticipantFactory
from .test_signup_otp import SIGNUP

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8123"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def test_sign_up_resend_and_password_reset_links_use_site_url(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/daftar/", SIGNUP, HTTP_HOST="localhost:9999").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/akun/kirim-ulang-email/", HTTP_HOST="localhost:9999")
    ParticipantFactory(username="ani@example.test", email="ani@example.test")
    client.logout()
    client.post("/akun/lupa-sandi/", {"email": "ani@example.test"}, HTTP_HOST="localhost:9999")
    assert len(mail.outbox) == 3
    sent = [link for message in mail.outbox for link in links(message)]
    assert len(sent) == 3
    assert all(link.startswith(f"{SITE}/akun/") for link in sent), sent
