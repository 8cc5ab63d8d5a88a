import io
import re

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prakerja.accounts.models import SmsOutbox
from prakerja.accounts.phones import mask_phone, normalize_phone
from prakerja.accounts.sms import HttpSmsGateway, OutboxSmsGateway, SmsSendFailed, get_sms_gateway
from prakerja.helpdesk.selectors import participant_summary_for_agent

from .factories import ParticipantFactory, sms_code_sent_to


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "006281234567890",
        "(0812) 3456.7890",
    ],
)
def test_indonesian_mobile_numbers_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "   ", "123", "08123", "abc", "0812345678901234567", "+62"])
def test_invalid_numbers_raise_value_error(raw):
    with pytest.raises(ValueError, match="phone"):
        normalize_phone(raw)


def test_landline_and_toll_free_numbers_are_kept_valid():
    assert normalize_phone("(021) 555-1234") == "+62215551234"
    assert normalize_phone("0800-150-3001") == "+628001503001"


@given(st.from_regex(r"08(1[1-9]|5[2-9]|7[78]|9[5-9])\d{7,8}", fullmatch=True))
def test_normalising_is_idempotent(local):
    try:
        e164 = normalize_phone(local)
    except ValueError:
        return
    assert e164.startswith("+62")
    assert normalize_phone(e164) == e164


def test_mask_phone_keeps_a_hint_only():
    assert mask_phone("+6281234567890") == "+62812*****890"


@pytest.mark.django_db
def test_outbox_gateway_stores_and_echoes():
    stream = io.StringIO()
    with_settings = OutboxSmsGateway(stream=stream)
    message = with_settings.send(to="0812-3456-7890", text="Kode 123456")
    stored = SmsOutbox.objects.get()
    assert stored == message
    assert stored.to == "+6281234567890"
    assert stored.status == SmsOutbox.Status.SENT


@pytest.mark.django_db
def test_default_gateway_is_the_outbox(settings):
    settings.SMS_GATEWAY = "outbox"
    assert isinstance(get_sms_gateway(), OutboxSmsGateway)
    settings.SMS_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = "https://sms.example.test/send"
    assert isinstance(get_sms_gateway(), HttpSmsGateway)


@pytest.mark.django_db
def test_http_gateway_posts_json_and_records(monkeypatch, settings):
    settings.SMS_SENDER_ID = "PRAKERJA"
    seen = {}

    def fake_post(url, json, headers, timeout):
        seen.update(url=url, json=json, headers=headers)
        return httpx.Response(200, json={"id": "gw-1"}, request=httpx.Request("POST", url))

    monkeypatch.setattr(httpx, "post", fake_post)
    message = HttpSmsGateway(url="https://sms.example.test/send", token="t0k").send(
        to="081234567890", text="hi"
    )
    assert seen["json"] == {"to": "+6281234567890", "text": "hi", "sender": "PRAKERJA"}
    assert seen["headers"] == {"Authorization": "Bearer t0k"}
    assert message.provider_id == "gw-1"


@pytest.mark.django_db
def test_http_gateway_failure_is_recorded_and_raised(monkeypatch):
    def fake_post(url, **kwargs):
        return httpx.Response(503, request=httpx.Request("POST", url))

    monkeypatch.setattr(httpx, "post", fake_post)
    with pytest.raises(SmsSendFailed):
        HttpSmsGateway(url="https://sms.example.test/send", token="").send(
            to="0812 3456 7890", text="x"
        )
    assert SmsOutbox.objects.get().status == SmsOutbox.Status.FAILED


@pytest.mark.django_db
def test_summary_for_agent_has_every_key_even_before_identity():
    user = ParticipantFactory(full_name="Siti Aminah")
    summary = participant_summary_for_agent(user=user)
    assert summary["full_name"] == "Siti Aminah"
    assert summary["phone"].startswith("+62")
    assert {"nik_masked", "identity_status", "wave", "selection_result", "linked_account"} <= set(
        summary
    )


@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["outbox", "http"])
def test_the_outbox_keeps_one_time_codes_masked_for_every_gateway(
    gateway, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Supervisors and PMO may read the outbox; the code reaches only the phone."""
    from prakerja.accounts.services.otp import otp_send

    delivered = []

    def fake_post(url, json, headers, timeout):
        delivered.append(json["text"])
        return httpx.Response(200, json={"id": "gw-1"}, request=httpx.Request("POST", url))

    monkeypatch.setattr(httpx, "post", fake_post)
    settings.SMS_GATEWAY = gateway
    settings.SMS_GATEWAY_URL = "https://sms.example.test/send"
    user = ParticipantFactory(phone="+6281234567890")
    with django_capture_on_commit_callbacks(execute=True):
        otp_send(user=user, purpose="phone", phone=user.phone, text="Kode Prakerja: {code}")
    stored = SmsOutbox.objects.get()
    assert stored.text == "Kode Prakerja: ••••••"
    assert not re.search(r"\d{6}", stored.text)
    sent = delivered[-1] if gateway == "http" else sms_code_sent_to(user.phone)
    assert re.search(r"\d{6}", sent)
