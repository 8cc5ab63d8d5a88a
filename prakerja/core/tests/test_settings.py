import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAFE = {
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://prakerja@db.internal:5432/prakerja",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SITE_URL": "https://prakerja.example.go.id",
}


HSTS = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE)"


def _load_production(code: str = HSTS, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "TASKS_BACKEND", *SAFE)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env_overrides)
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
    result = _load_production(**SAFE, DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_a_site_url_without_https():
    result = _load_production(**{**SAFE, "SITE_URL": "http://prakerja.example.go.id"})
    assert result.returncode != 0
    assert "SITE_URL must be" in result.stderr


@pytest.mark.parametrize(
    "database_url", [None, "sqlite:////srv/prakerja/db.sqlite3", "mysql://u@db/prakerja"]
)
def test_production_refuses_a_database_other_than_postgresql(database_url):
    env = {k: v for k, v in SAFE.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    result = _load_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set to a PostgreSQL database" in (
        result.stderr
    )


def test_production_refuses_to_start_without_redis():
    result = _load_production(**{k: v for k, v in SAFE.items() if k != "REDIS_URL"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL must be set" in result.stderr


def test_production_starts_with_safe_config_and_hsts():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'], "
        "settings.CHANNEL_LAYERS['default']['BACKEND'], settings.TASKS['default']['BACKEND'])"
    )
    result = _load_production(**SAFE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True"]
    result = _load_production(**SAFE, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "prakerja.core.cache.FallbackRedisCache",
        "prakerja.livechat.layers.PubSubChannelLayer",
        "django_tasks_db.DatabaseBackend",
    ]


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_other_modes_use_jakarta_time(module, settings):
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "id"


DATABASE = (
    "import django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['OPTIONS'].get('prepare_threshold', 'unset'), "
    "settings.DATABASE_PGBOUNCER)"
)


def test_production_behind_pgbouncer_keeps_nothing_in_the_session():
    """DATABASE_PGBOUNCER=1 (transaction pooling): no server-side cursors and no prepared
    statements, even when DATABASE_URL asks for them."""
    url = SAFE["DATABASE_URL"] + "?prepare_threshold=5"
    result = _load_production(
        **{**SAFE, "DATABASE_URL": url}, DATABASE_PGBOUNCER="1", code=DATABASE
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None", "True"]
    result = _load_production(**{**SAFE, "DATABASE_URL": url}, code=DATABASE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "5", "False"]


def test_production_reads_the_previous_secret_keys_for_rotation():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY_FALLBACKS)"
    )
    result = _load_production(**SAFE, SECRET_KEY_FALLBACKS=f"{'a' * 50},{'b' * 50}", code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(["a" * 50, "b" * 50])
