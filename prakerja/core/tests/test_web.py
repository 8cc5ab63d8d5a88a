import pytest

from prakerja.core.errors import RateLimited
from prakerja.core.logging import mask_nik
from prakerja.core.ratelimit import rate_limit

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_is_indonesian_by_default_even_for_english_browsers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()
    assert "Program Kartu Prakerja" in response.content.decode()


def test_language_switch_remembers_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert "Pre-employment card program" in response.content.decode()


def test_security_headers_on_pages(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32


def test_well_formed_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-abcdef123456")
    assert response["X-Request-ID"] == "lb-abcdef123456"
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"


def test_footer_shows_hotline_and_hours(client):
    html = client.get("/").content.decode()
    assert "0800-150-3001" in html
    assert "08.00-20.00" in html  # the Indonesian time format


def test_rate_limit_counts_per_key_and_says_when_to_retry():
    for _ in range(3):
        rate_limit(key="t:a", limit=3, period=60)
    with pytest.raises(RateLimited) as excinfo:
        rate_limit(key="t:a", limit=3, period=60)
    assert 1 <= excinfo.value.retry_after <= 60
    rate_limit(key="t:b", limit=3, period=60)


def test_login_is_rate_limited_per_account_with_429_and_retry_after(client):
    UserFactory(username="victim")
    for _ in range(10):
        response = client.post("/masuk/", {"username": "victim", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/masuk/", {"username": "victim", "password": "wrong"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_login_with_email_works(client):
    UserFactory(username="ani", email="Ani@Example.test")
    response = client.post(
        "/masuk/", {"username": "ani@example.test", "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_nik_is_masked_in_logs():
    assert mask_nik("nik=3201234567890001 ok") == "nik=320123******0001 ok"
    assert mask_nik("phone 081234567890") == "phone 081234567890"


def test_error_pages_are_localized(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()
