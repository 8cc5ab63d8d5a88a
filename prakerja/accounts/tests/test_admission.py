"""The waiting room in front of Django (`admission.SignupAdmission`, config/wsgi.py)."""

import io
import json
import threading
from wsgiref.util import setup_testing_defaults

import pytest
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from prakerja.accounts.admission import ADMITTED_KEY, SignupAdmission
from prakerja.accounts.models import User
from prakerja.core import clock

SIGNUP = {
    "full_name": "Siti Aminah",
    "email": "siti@example.test",
    "password": "kuat-sekali-2021!",
    "phone": "0812-3456-7890",
}


def environ(path="/api/v1/accounts", method="POST", body=None, cookie="", **extra):
    data = json.dumps(body if body is not None else SIGNUP).encode()
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        **extra,
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    setup_testing_defaults(env)
    return env


def call(app, env):
    started = {}

    def start_response(status, headers):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(headers)

    body = b"".join(app(env, start_response))
    return started["status"], started["headers"], body


class Inner:
    """A stand-in for Django: records calls; optionally blocks until released."""

    def __init__(self, *, block: threading.Event | None = None):
        self.calls = []
        self.block = block
        self.entered = threading.Event()

    def __call__(self, env, start_response):
        self.calls.append(env)
        self.entered.set()
        if self.block is not None:
            self.block.wait(5)
        start_response("201 Created", [("Content-Type", "application/json")])
        return [b"{}"]


@pytest.fixture
def moment():
    with time_machine.travel(clock.now().replace(microsecond=1000), tick=False) as traveller:
        yield traveller


def test_refusal_is_the_api_error_shape_with_place_and_retry_after(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    inner = Inner()
    app = SignupAdmission(inner, max_in_flight=0)
    assert call(app, environ())[0] == 201
    status, headers, body = call(app, environ())
    assert status == 429
    assert headers["Retry-After"] == "1"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Language"] == "id"
    payload = json.loads(body)
    assert payload["code"] == "waiting_room"
    assert payload["errors"] == {}
    assert payload["position"] == 1
    assert payload["retry_after"] == 1
    assert "nomor 1" in payload["message"]
    assert len(inner.calls) == 1  # the refusal never reached Django
    # places and waits grow in arrival order
    third = json.loads(call(app, environ())[2])
    assert third["position"] == 2
    assert third["retry_after"] == 2


def test_refusal_speaks_the_language_chosen_with_the_switcher(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    app = SignupAdmission(Inner(), max_in_flight=0)
    call(app, environ())
    status, headers, body = call(app, environ(cookie="csrftoken=x; django_language=en"))
    assert status == 429
    assert headers["Content-Language"] == "en"
    assert "You are number 1 in line" in json.loads(body)["message"]
    # an unknown language falls back to Indonesian
    _status, headers, _body = call(app, environ(cookie="django_language=xx"))
    assert headers["Content-Language"] == "id"


def test_the_sign_up_form_gets_a_small_waiting_page(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    app = SignupAdmission(Inner(), max_in_flight=0)
    call(app, environ(path="/daftar/"))
    status, headers, body = call(app, environ(path="/daftar/"))
    assert status == 429
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Retry-After"] == "1"
    assert "Content-Security-Policy" in headers
    page = body.decode()
    assert "Mohon tunggu sebentar" in page
    assert "nomor 1" in page
    assert 'href="/daftar/"' in page


def test_in_flight_limit_refuses_at_once_with_503_and_frees_the_slot(settings):
    settings.SIGNUP_ADMISSION_RATE = 0
    release = threading.Event()
    inner = Inner(block=release)
    app = SignupAdmission(inner, max_in_flight=1)
    first = threading.Thread(target=call, args=(app, environ()))
    first.start()
    try:
        assert inner.entered.wait(5)
        status, headers, body = call(app, environ())
        assert status == 503
        assert int(headers["Retry-After"]) >= 1
        payload = json.loads(body)
        assert payload["code"] == "waiting_room"
        assert payload["position"] is None
        assert "sibuk" in payload["message"]
        assert len(inner.calls) == 1
        # other requests are never held back by the cap
        assert call(app, environ(path="/api/v1/switches", method="GET"))[0] == 201
    finally:
        release.set()
        first.join(5)
    assert call(app, environ())[0] == 201  # the slot was released


def test_a_waiting_room_refusal_gives_its_in_flight_slot_back(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    app = SignupAdmission(Inner(), max_in_flight=1)
    assert call(app, environ())[0] == 201
    assert call(app, environ())[0] == 429
    assert call(app, environ())[0] == 429  # not 503: the refused request released its slot


def test_other_requests_pass_straight_through(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    inner = Inner()
    app = SignupAdmission(inner, max_in_flight=1)
    for env in [
        environ(method="GET", path="/daftar/"),
        environ(path="/akun/masuk/"),
        environ(path="/api/v1/accounts/me/phone/verify"),
    ]:
        assert call(app, env)[0] == 201
    assert all(ADMITTED_KEY not in env for env in inner.calls)


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes the database connection when a request finishes; the test's
    transaction lives on it (Django's test client disconnects the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
def test_admitted_sign_up_is_not_counted_again_by_the_django_middleware(settings, moment):
    settings.SIGNUP_ADMISSION_RATE = 1
    app = SignupAdmission(get_wsgi_application(), max_in_flight=2)
    status, _headers, body = call(app, environ())
    assert status == 201, body
    assert User.objects.filter(email="siti@example.test").exists()
    status, _headers, body = call(app, environ(body={**SIGNUP, "email": "ani@example.test"}))
    assert status == 429
    assert json.loads(body)["code"] == "waiting_room"
    assert not User.objects.filter(email="ani@example.test").exists()
