"""Database sessions with one write per log-in (`prakerja.core.sessions`), still revocable."""

import pytest
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.urls import reverse

from prakerja.core.sessions import SessionStore

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_session_is_written_once_at_save_with_its_data():
    store = SessionStore()
    store.create()
    assert store.session_key
    assert not Session.objects.exists()  # nothing written yet
    store["k"] = "v"
    store.save()
    assert SessionStore(store.session_key).load() == {"k": "v"}
    store["k"] = "w"
    store.save()  # later saves update the same row
    assert Session.objects.count() == 1
    assert SessionStore(store.session_key).load() == {"k": "w"}


def test_a_taken_key_is_replaced_and_the_insert_repeated(monkeypatch):
    taken = SessionStore()
    taken["a"] = 1
    taken.save()
    keys = iter([taken.session_key, "x" * 32])
    store = SessionStore()
    monkeypatch.setattr(store, "_get_new_session_key", lambda: next(keys))
    store.create()
    store["b"] = 2
    store.save()
    assert store.session_key == "x" * 32
    assert SessionStore(taken.session_key).load() == {"a": 1}  # untouched
    assert SessionStore("x" * 32).load() == {"b": 2}


def test_must_create_with_a_taken_key_still_raises():
    taken = SessionStore()
    taken["a"] = 1
    taken.save()
    store = SessionStore(taken.session_key)
    with pytest.raises(CreateError):
        store.save(must_create=True)


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
