import re

import pytest

from prakerja.accounts.models import IdentityStatus, SmsOutbox
from prakerja.accounts.tests.factories import sms_code_sent_to
from prakerja.core.models import AuditLog
from prakerja.payouts.models import LinkedAccount, LinkStatus
from prakerja.programs.tests.test_waves import verified_participant
from prakerja.switches.services import switch_set_schedule

pytestmark = pytest.mark.django_db


def code_for(user) -> str:
    return sms_code_sent_to(user.phone)


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


@pytest.fixture
def participant(client):
    user = verified_participant(phone="+6281234567890")
    client.force_login(user)
    return user


def test_providers_listed(client):
    codes = [p["code"] for p in client.get("/api/v1/linking/providers").json()]
    assert codes == ["bni", "ovo", "gopay", "linkaja", "dana"]


def test_link_bank_account_confirmed_by_sms(
    client, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"}
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["number_masked"] == "******7890"
    confirm = post(client, "/api/v1/linking/confirm", {"code": code_for(participant)})
    assert confirm.status_code == 200, confirm.content
    assert confirm.json()["status"] == "active"
    body = client.get("/api/v1/linking").json()
    assert body["active"]["provider"] == "bni"
    assert body["pending"] is None


def test_changing_account_keeps_history(client, participant, django_capture_on_commit_callbacks):
    import time_machine

    from prakerja.core import clock

    start = clock.now()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    post(client, "/api/v1/linking/confirm", {"code": code_for(participant)})
    with time_machine.travel(start + __import__("datetime").timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = post(
                client, "/api/v1/linking", {"provider": "ovo", "account_number": "0812-3456-7890"}
            )
        assert response.status_code == 202, response.content
        assert (
            post(client, "/api/v1/linking/confirm", {"code": code_for(participant)}).status_code
            == 200
        )
    statuses = list(
        LinkedAccount.objects.order_by("requested_at").values_list("provider__code", "status")
    )
    assert statuses == [("bni", LinkStatus.REPLACED), ("ovo", LinkStatus.ACTIVE)]
    assert len(client.get("/api/v1/linking").json()["history"]) == 2
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"linking.request", "linking.confirm", "linking.replace"} <= actions


@pytest.mark.parametrize(
    ("provider", "number", "code"),
    [
        ("ovo", "081299998888", "validation_error"),  # not the participant's own number
        ("bni", "12345", "validation_error"),  # BNI has 10 digits
        ("bni", "1234560000", "account_not_found"),
        ("bni", "1234569999", "holder_mismatch"),
        ("nope", "1234567890", "validation_error"),
    ],
)
def test_link_refusals_are_422(client, participant, provider, number, code):
    response = post(client, "/api/v1/linking", {"provider": provider, "account_number": number})
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not LinkedAccount.objects.exists()


def test_identity_must_be_verified(client):
    client.force_login(verified_participant(status=IdentityStatus.PENDING))
    response = post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    assert response.status_code == 403
    assert response.json()["code"] == "identity_not_verified"


def test_linking_closed_refuses_with_403_and_message(client, participant):
    switch_set_schedule(
        name="account_linking",
        windows=[],
        override="off",
        message="Penautan rekening ditutup.",
        actor=None,
    )
    response = post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    assert response.status_code == 403
    assert response.json()["code"] == "account_linking_closed"
    assert response.json()["message"] == "Penautan rekening ditutup."
    assert (
        post(client, "/api/v1/linking/confirm", {"code": "123456"}).json()["code"]
        == "account_linking_closed"
    )
    page = client.get("/akun/penautan-rekening/")
    assert "Penautan rekening ditutup." in page.content.decode()
    assert 'name="account_number"' not in page.content.decode()


def test_confirm_without_pending_is_409(client, participant):
    response = post(client, "/api/v1/linking/confirm", {"code": "123456"})
    assert response.status_code == 409
    assert response.json()["code"] == "no_pending_link"


def test_wrong_code_does_not_activate(client, participant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    good = code_for(participant)
    bad = "000000" if good != "000000" else "111111"
    assert post(client, "/api/v1/linking/confirm", {"code": bad}).status_code == 422
    assert LinkedAccount.objects.get().status == LinkStatus.PENDING


def test_web_flow(client, participant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/akun/penautan-rekening/", {"provider": "dana", "account_number": "+62 812 3456 7890"}
        )
    assert response.status_code == 302
    response = client.post("/akun/penautan-rekening/", {"code": code_for(participant)})
    assert response.status_code == 302
    assert LinkedAccount.objects.get().status == LinkStatus.ACTIVE


def test_summary_for_agent_masks_nik_and_account(
    client, participant, django_capture_on_commit_callbacks
):
    from prakerja.helpdesk.selectors import participant_summary_for_agent

    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    post(client, "/api/v1/linking/confirm", {"code": code_for(participant)})
    summary = participant_summary_for_agent(user=participant)
    assert summary["identity_status"] == "verified"
    assert re.fullmatch(r"\d{6}\*{6}\d{4}", summary["nik_masked"])
    assert summary["linked_account"] == {"provider": "BNI", "number_masked": "******7890"}
    assert summary["wave"] is None


def test_provider_outage_is_503_not_500(client, participant, monkeypatch, settings):
    import httpx

    def down(*args, **kwargs):
        raise httpx.ConnectError("bank down")

    monkeypatch.setattr(httpx, "post", down)
    settings.LINKING_VERIFIER = "http"
    settings.LINKING_VERIFIER_URL = "https://bank.example.test/lookup"
    response = post(client, "/api/v1/linking", {"provider": "bni", "account_number": "1234567890"})
    assert response.status_code == 503
    assert response.json()["code"] == "provider_unavailable"


def test_sms_gateway_outage_does_not_fail_the_sign_up(
    client, monkeypatch, settings, django_capture_on_commit_callbacks
):
    import httpx

    monkeypatch.setattr(
        httpx, "post", lambda url, **k: httpx.Response(500, request=httpx.Request("POST", url))
    )
    settings.SMS_GATEWAY = "http"
    settings.SMS_GATEWAY_URL = "https://sms.example.test/send"
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "/api/v1/accounts",
            {
                "full_name": "A",
                "email": "a@example.test",
                "password": "kuat-sekali-2021!",
                "phone": "081299990000",
            },
        )
    assert response.status_code == 201
    assert SmsOutbox.objects.get(to="+6281299990000").status == "failed"
