"""Fast settings for the test suite.

SQLite in memory by default; TEST_DATABASE_URL runs the same suite on PostgreSQL. Redis-backed
tests read TEST_REDIS_URL.
"""

import os

from config.env import env

from .base import *  # noqa: F403
from .base import database_from_url

SECRET_KEY = "test-secret-key-not-for-production-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
REDIS_URL = ""
SMS_GATEWAY = "outbox"
SMS_CONSOLE_ECHO = False
SIGNUP_ADMISSION_RATE = 0
PRAKERJA_AUTO_APPROVE_COURSES = True
EMAIL_INBOX_URL = ""
MAIL_SEND_RETRY_SECONDS = 0.0
TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="")
# A real IMAP server for the e-mail channel's tests (`.ci/dovecot start DIR` prints one).
TEST_IMAP_URL = env.str("TEST_IMAP_URL", default="")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default="/tmp/prakerja-test-media")  # noqa: S108

TEST_DATABASE_URL = env.str("TEST_DATABASE_URL", default="")
if TEST_DATABASE_URL:
    DATABASES = {"default": database_from_url(TEST_DATABASE_URL)}
    # A name per test run, so parallel runs on one server never share a test database.
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:10]
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{run_id}"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {"default": database_from_url("sqlite://:memory:")}
