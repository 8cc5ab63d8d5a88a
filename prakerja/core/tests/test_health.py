from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("down"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "checks": {"database": "error: OperationalError"},
    }


@pytest.mark.redis
def test_readyz_checks_redis_when_configured(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "prakerja.core.cache.FallbackRedisCache", "LOCATION": redis_url}
    }
    response = client.get("/readyz")
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}

    settings.CACHES = {
        "default": {
            "BACKEND": "prakerja.core.cache.FallbackRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["redis"].startswith("error:")


def test_readyz_is_503_when_the_database_is_down_and_redis_too(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "prakerja.core.cache.FallbackRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("down"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["degraded"] == ["redis"]
