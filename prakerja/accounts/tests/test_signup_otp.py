import datetime as dt
import json
import re

import pytest
import time_machine
from django.core import mail

from prakerja.accounts.models import OneTimeCode, SmsOutbox, User
from prakerja.accounts.tests.factories import sms_code_sent_to
from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role, has_role

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Siti Aminah",
    "email": "Siti@Example.test",
    "password": "kuat-sekali-2021!",
    "phone": "0812-3456-7890",
}


def signup(client, **overrides):
    return client.post("/api/v1/accounts", {**SIGNUP, **overrides}, content_type="application/json")


def last_code(phone="+6281234567890") -> str:
    return sms_code_sent_to(phone)


def test_signup_creates_participant_with_e164_phone_and_sends_link_and_code(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "siti@example.test"
    assert body["phone"] == "+6281234567890"
    assert body["phone_verified"] is False
    user = User.objects.get()
    assert user.password.startswith("md5$")  # test hasher; production is Argon2id
    assert has_role(user, Role.PARTICIPANT)
    assert len(mail.outbox) == 1
    assert "/akun/konfirmasi-email/" in mail.outbox[0].body
    assert SmsOutbox.objects.filter(to="+6281234567890").count() == 1
    code = OneTimeCode.objects.get()
    assert last_code() not in code.code_hash  # only an HMAC is stored
    assert AuditLog.objects.filter(action="account.register").count() == 1
    # the session is logged in
    assert client.get("/api/v1/accounts/me").json()["email"] == "siti@example.test"


def test_duplicate_email_is_409_already_registered_case_insensitively(client):
    assert signup(client).status_code == 201
    client.logout()
    response = signup(client, email="siti@EXAMPLE.test", phone="081299998888")
    assert response.status_code == 409
    assert response.json()["code"] == "already_registered"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "12345"),
        ("phone", "+14155552671"),
        ("phone", "(021) 555-1234"),
        ("password", "123"),
        ("password", "password"),
        ("full_name", "   "),
    ],
)
def test_invalid_signup_is_422_with_field_errors(client, field, value):
    response = signup(client, **{field: value})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]
    assert not User.objects.exists()


def test_missing_field_is_422_not_500(client):
    response = client.post(
        "/api/v1/accounts", {"email": "x@y.test"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "password" in response.json()["errors"]


def test_signup_rate_limit_per_ip_is_429_with_retry_after(client):
    # Frozen clock: the limit's window must not roll over in the middle of the test.
    with time_machine.travel(clock.now().replace(second=5), tick=False):
        for n in range(10):
            signup(client, email=f"u{n}@example.test")
            client.logout()
        response = signup(client, email="u99@example.test")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_phone_otp_verifies_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    response = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": last_code()}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["phone_verified"] is True
    again = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": last_code()}, content_type="application/json"
    )
    assert again.status_code == 422
    assert again.json()["code"] == "otp_missing"


def test_three_wrong_codes_lock_then_429_until_the_wait_ends(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    good = last_code()
    bad = "000000" if good != "000000" else "111111"
    first = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": bad}, content_type="application/json"
    )
    assert first.status_code == 422
    assert first.json()["code"] == "otp_invalid"
    assert "2" in first.json()["errors"]["code"][0]
    client.post("/api/v1/accounts/me/phone/verify", {"code": bad}, content_type="application/json")
    third = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": bad}, content_type="application/json"
    )
    assert third.status_code == 429
    assert int(third["Retry-After"]) == 15 * 60
    # even the right code is refused during the wait, and resending cannot skip it
    locked = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": good}, content_type="application/json"
    )
    assert locked.status_code == 429
    assert client.post("/api/v1/accounts/me/phone/resend").status_code == 429
    with time_machine.travel(clock.now() + dt.timedelta(minutes=16), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/api/v1/accounts/me/phone/resend").status_code == 202
        ok = client.post(
            "/api/v1/accounts/me/phone/verify",
            {"code": last_code()},
            content_type="application/json",
        )
    assert ok.status_code == 200


def test_code_expires_after_five_minutes(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    code = last_code()
    with time_machine.travel(clock.now() + dt.timedelta(minutes=5, seconds=1), tick=False):
        response = client.post(
            "/api/v1/accounts/me/phone/verify", {"code": code}, content_type="application/json"
        )
    assert response.status_code == 422
    assert response.json()["code"] == "otp_expired"


def test_resend_is_throttled_to_once_a_minute_and_five_an_hour(
    client, django_capture_on_commit_callbacks
):
    start = clock.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the first code goes on commit
            signup(client)
        response = client.post("/api/v1/accounts/me/phone/resend")
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
    for minute in range(1, 5):
        with time_machine.travel(start + dt.timedelta(minutes=minute * 2), tick=False):
            assert client.post("/api/v1/accounts/me/phone/resend").status_code == 202
    with time_machine.travel(start + dt.timedelta(minutes=12), tick=False):
        response = client.post("/api/v1/accounts/me/phone/resend")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60


def test_email_link_confirms_and_expires(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    with time_machine.travel(clock.now() + dt.timedelta(days=4), tick=False):
        expired = client.post(
            "/api/v1/accounts/email/confirm", {"token": token}, content_type="application/json"
        )
    assert expired.status_code == 422
    assert expired.json()["code"] == "link_expired"
    response = client.get("/" + path)
    assert response.status_code == 200
    assert User.objects.get().email_verified_at is not None
    tampered = client.post(
        "/api/v1/accounts/email/confirm", {"token": token + "x"}, content_type="application/json"
    )
    assert tampered.json()["code"] == "link_invalid"


def test_web_signup_then_otp_page(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/daftar/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/akun/verifikasi-hp/"
    wrong = client.post("/akun/verifikasi-hp/", {"code": "12345"})
    assert wrong.status_code == 422
    ok = client.post("/akun/verifikasi-hp/", {"code": last_code()})
    assert ok.status_code == 302
    assert User.objects.get().phone_verified_at is not None


def test_web_signup_shows_field_errors(client):
    response = client.post("/daftar/", {**SIGNUP, "phone": "123"})
    assert response.status_code == 422
    assert "0812 3456 7890" in response.content.decode()


def test_login_rate_limited_per_account(client):
    from .factories import ParticipantFactory

    ParticipantFactory(username="ani@example.test", email="ani@example.test")
    with time_machine.travel(clock.now().replace(minute=1, second=5), tick=False):
        for _ in range(10):
            client.post("/masuk/", {"username": "ani@example.test", "password": "wrong"})
        response = client.post(
            "/masuk/", {"username": "ani@example.test", "password": "secret-pass-123"}
        )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_password_reset_sends_link_that_sets_new_password(client):
    from .factories import ParticipantFactory

    ParticipantFactory(username="ani@example.test", email="ani@example.test")
    response = client.post("/akun/lupa-sandi/", {"email": "ANI@example.test"})
    assert response.status_code == 302
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "baru-dan-kuat-2024", "new_password2": "baru-dan-kuat-2024"},
    )
    assert done.status_code == 302
    assert client.login(username="ani@example.test", password="baru-dan-kuat-2024")


def test_waiting_room_admits_the_rate_and_tells_the_rest_their_place(client, settings):
    settings.SIGNUP_ADMISSION_RATE = 2
    moment = clock.now().replace(microsecond=100)
    with time_machine.travel(moment, tick=False):
        codes = []
        for n in range(5):
            codes.append(signup(client, email=f"w{n}@example.test", phone=f"08129999000{n}"))
            client.logout()
    assert [r.status_code for r in codes] == [201, 201, 429, 429, 429]
    refused = [r.json() for r in codes[2:]]
    assert {r["code"] for r in refused} == {"waiting_room"}
    assert [int(r["Retry-After"]) for r in codes[2:]] == [1, 1, 2]
    assert "nomor 3" in refused[2]["message"]
    assert User.objects.count() == 2
    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert signup(client, email="w9@example.test", phone="081299990009").status_code == 201


def test_waiting_room_page_for_browsers(client, settings):
    settings.SIGNUP_ADMISSION_RATE = 1
    with time_machine.travel(clock.now(), tick=False):
        client.post("/daftar/", SIGNUP)
        client.logout()
        response = client.post("/daftar/", {**SIGNUP, "email": "other@example.test"})
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "nomor 1" in response.content.decode()


def test_web_signup_with_missing_fields_shows_errors(client):
    response = client.post("/daftar/", {"email": "x@example.test"})
    assert response.status_code == 422
    assert response.content.decode().count('class="field-error"') >= 3


def test_signup_query_budget(client, django_assert_num_queries):
    """Regression guard for the hot path at a wave opening. In the request: the user, its group
    row and the audit entry in one transaction, then Django's log-in (the session's key check,
    its insert, `last_login`, the session's data at the end of the request). The SMS code and
    the e-mail are a task enqueued on commit (one insert with the database backend; not run
    here). The switch schedule is cached after the first request, and no look-up precedes the
    user's insert: the unique index answers 409."""
    assert signup(client, email="first@example.test", phone="081200000001").status_code == 201
    client.logout()
    # test transaction: savepoint + 3 inserts + release; Django's session store and
    # update_last_login: key check, savepoint + insert + release, UPDATE, savepoint + UPDATE +
    # release
    with django_assert_num_queries(13) as queries:
        assert signup(client).status_code == 201
    writes = [q["sql"].split()[0] for q in queries.captured_queries]
    assert writes.count("INSERT") == 4
    assert writes.count("SELECT") == 1  # the new session key is free
    assert writes.count("UPDATE") == 2  # last_login, the session's data


def test_duplicate_email_under_the_unique_index_leaves_nothing_half_saved(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert signup(client).status_code == 201
    client.logout()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = signup(client, email="SITI@example.test", phone="081299998888")
    assert response.status_code == 409
    assert response.json()["code"] == "already_registered"
    assert callbacks == []  # nothing enqueued
    assert User.objects.count() == 1
    assert AuditLog.objects.filter(action="account.register").count() == 1
    assert SmsOutbox.objects.count() == 1
    assert len(mail.outbox) == 1


def test_signup_records_last_login_once_and_later_log_ins_update_it(client):
    moment = clock.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        assert signup(client).status_code == 201
    user = User.objects.get()
    assert user.last_login == moment == user.date_joined
    client.logout()
    with time_machine.travel(moment + dt.timedelta(hours=1), tick=False):
        assert client.login(username="siti@example.test", password=SIGNUP["password"])
    user.refresh_from_db()
    assert user.last_login == moment + dt.timedelta(hours=1)


def test_login_limit_counts_look_alikes_of_one_account_together(client):
    from .factories import ParticipantFactory

    ParticipantFactory(username="ani@example.test", email="ani@example.test")
    look_alikes = [
        "ａｎｉ＠ｅｘａｍｐｌｅ．ｔｅｓｔ",  # full width: the form's NFKC makes it the same account
        "ANI@EXAMPLE.TEST",
        " ani@example.test ",
        "ａｎｉ@example.test",
        "Ani@Example.Test",
    ]
    with time_machine.travel(clock.now().replace(minute=1, second=5), tick=False):
        for n in range(10):
            client.post(
                "/masuk/",
                {"username": look_alikes[n % len(look_alikes)], "password": "wrong"},
                REMOTE_ADDR=f"198.51.100.{n}",
            )
        response = client.post(
            "/masuk/",
            {"username": "ani@example.test", "password": "secret-pass-123"},
            REMOTE_ADDR="198.51.100.99",
        )
    assert response.status_code == 429


def test_cross_site_text_plain_signup_is_refused_and_logs_nothing_in():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/v1/accounts", json.dumps(SIGNUP), content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not User.objects.exists()


def test_api_signup_without_the_csrf_token_creates_the_account_but_no_session():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/v1/accounts", SIGNUP, content_type="application/json")
    assert response.status_code == 201
    assert User.objects.count() == 1
    assert browser.get("/api/v1/accounts/me").status_code == 401


def test_api_signup_with_the_csrf_token_logs_the_session_in():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get("/daftar/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/accounts", SIGNUP, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201
    assert browser.get("/api/v1/accounts/me").json()["email"] == "siti@example.test"


def test_resending_a_code_without_a_mobile_number_is_409(
    client, django_capture_on_commit_callbacks
):
    from prakerja.core.tests.factories import UserFactory

    client.force_login(UserFactory(phone=""))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/accounts/me/phone/resend")
        page = client.post("/akun/verifikasi-hp/", {"resend": "1"})
    assert response.status_code == 409
    assert response.json()["code"] == "phone_missing"
    assert page.status_code == 409
    assert not OneTimeCode.objects.exists()


def test_audit_entries_keep_ids_not_the_participants_phone_or_email(
    client, django_capture_on_commit_callbacks
):
    """Supervisors read the audit log: a participant is `user #<id>` there, with no contact data."""
    from prakerja.core.tests.factories import audit_log_text

    with django_capture_on_commit_callbacks(execute=True):
        assert signup(client).status_code == 201
    response = client.post(
        "/api/v1/accounts/me/phone/verify", {"code": last_code()}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    user = User.objects.get()
    entries = AuditLog.objects.filter(action__startswith="account.")
    assert {e.action for e in entries} == {"account.register", "account.phone_confirm"}
    assert {e.actor_label for e in entries} == {f"user #{user.pk}"}
    text = audit_log_text()
    for personal in ("+6281234567890", "81234567890", "siti@example.test", "Siti"):
        assert personal not in text
