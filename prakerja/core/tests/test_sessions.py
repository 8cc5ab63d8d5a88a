"""Sessions live in the database, so the server can revoke them."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_log_out_deletes_the_session_on_the_server(client):
    user = UserFactory(password="kuat-sekali-2021!")  # noqa: S106
    assert client.login(username=user.username, password="kuat-sekali-2021!")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    stolen = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = stolen
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_a_password_change_ends_other_sessions():
    from django.test import Client

    user = UserFactory(password="kuat-sekali-2021!")  # noqa: S106
    other = Client()
    assert other.login(username=user.username, password="kuat-sekali-2021!")
    assert other.get("/api/v1/accounts/me").status_code == 200
    user.set_password("baru-dan-kuat-2024")
    user.save()
    assert other.get("/api/v1/accounts/me").status_code == 401
