import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _load_production(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "SITE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env_overrides)
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE)"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_missing_secret():
    result = _load_production()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_short_secret():
    result = _load_production(SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_debug():
    result = _load_production(SECRET_KEY="x" * 50, DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_a_site_url_without_https():
    result = _load_production(SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "SITE_URL must be" in result.stderr


def test_production_starts_with_safe_config_and_hsts():
    result = _load_production(SECRET_KEY="x" * 50, SITE_URL="https://prakerja.example.go.id")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True"]


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_other_modes_use_jakarta_time(module, settings):
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "id"
