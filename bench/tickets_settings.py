"""Settings for bench/tickets.py: production settings served over plain HTTP on loopback, plus a
baseline view (one INSERT per POST) under the same server."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.tickets_urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
