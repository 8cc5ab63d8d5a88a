import datetime as dt

import httpx
import pytest

from prakerja.accounts.models import Identity
from prakerja.accounts.nik import make_nik
from prakerja.accounts.verification import (
    HttpIdentityVerifier,
    OfflineIdentityVerifier,
    get_identity_verifier,
)
from prakerja.payouts.models import Provider
from prakerja.payouts.verification import HttpLinkingVerifier, get_linking_verifier

BIRTH = dt.date(1995, 8, 17)


def identity(**overrides):
    values = {
        "nik": make_nik(birth_date=BIRTH, female=False),
        "kk_number": "3171010101200001",
        "full_name": "BUDI SANTOSO",
        "birth_date": BIRTH,
        "gender": "M",
        "declared_not_student": True,
        "declared_not_official": True,
    }
    values.update(overrides)
    return Identity(**values)


def test_offline_verifier_accepts_valid_and_explains_rejections():
    assert OfflineIdentityVerifier().verify(identity()).verified is True
    result = OfflineIdentityVerifier().verify(identity(declared_not_official=False))
    assert result.verified is False
    assert result.reason


def test_http_identity_verifier_posts_and_reads_the_registry(monkeypatch, settings):
    seen = {}

    def fake_post(url, json, headers, timeout):
        seen.update(url=url, json=json, headers=headers)
        return httpx.Response(
            200,
            json={"match": False, "reason": "Nama tidak sesuai"},
            request=httpx.Request("POST", url),
        )

    monkeypatch.setattr(httpx, "post", fake_post)
    settings.IDENTITY_VERIFIER = "http"
    settings.IDENTITY_REGISTRY_URL = "https://registry.example.test/verify"
    settings.IDENTITY_REGISTRY_TOKEN = "tok"
    verifier = get_identity_verifier()
    assert isinstance(verifier, HttpIdentityVerifier)
    result = verifier.verify(identity())
    assert (result.verified, result.reason) == (False, "Nama tidak sesuai")
    assert seen["json"]["nik"] == identity().nik
    assert seen["headers"] == {"Authorization": "Bearer tok"}


def test_http_identity_verifier_skips_the_call_when_offline_rules_fail(monkeypatch):
    monkeypatch.setattr(httpx, "post", lambda *a, **k: pytest.fail("must not call the registry"))
    result = HttpIdentityVerifier(url="https://registry.example.test").verify(identity(gender="F"))
    assert result.verified is False


@pytest.mark.django_db
def test_http_linking_verifier(monkeypatch, settings):
    def fake_post(url, json, headers, timeout):
        assert json == {"provider": "bni", "account_number": "1234567890"}
        return httpx.Response(
            200,
            json={"found": True, "holder_name": "BUDI", "holder_nik": "1", "reference": "r-1"},
            request=httpx.Request("POST", url),
        )

    monkeypatch.setattr(httpx, "post", fake_post)
    settings.LINKING_VERIFIER = "http"
    settings.LINKING_VERIFIER_URL = "https://bank.example.test/lookup"
    verifier = get_linking_verifier()
    assert isinstance(verifier, HttpLinkingVerifier)
    info = verifier.lookup(
        provider=Provider.objects.get(code="bni"), account_number="1234567890", participant=None
    )
    assert (info.found, info.holder_name, info.reference) == (True, "BUDI", "r-1")


@pytest.mark.django_db
def test_registry_outage_leaves_identity_pending(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    from prakerja.accounts.services import identity_submit
    from prakerja.accounts.tests.factories import ParticipantFactory
    from prakerja.accounts.tests.test_identity import identity_data

    def down(*args, **kwargs):
        raise httpx.ConnectError("registry down")

    monkeypatch.setattr(httpx, "post", down)
    settings.IDENTITY_VERIFIER = "http"
    settings.IDENTITY_REGISTRY_URL = "https://registry.example.test/verify"
    user = ParticipantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        identity_submit(user=user, data=identity_data())
    assert Identity.objects.get(user=user).status == "pending"
