"""Settings of bench/cluster.py's app and worker hosts: production, except static files.

The cluster serves no static files and runs no `collectstatic`, so the manifest storage of
production (which refuses any `{% static %}` without a manifest) is swapped for the plain one.
Everything else, including every start-up check, is config/settings/production.py.
"""

from config.settings.production import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
