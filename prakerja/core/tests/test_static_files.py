"""Static files as production serves them (config/settings/production.py): hashed names, so they
can be cached for a year, and gzip and brotli copies beside each one for WhiteNoise to pick from."""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from django.utils.functional import empty

pytestmark = pytest.mark.django_db

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_uses_the_compressed_manifest_storage():
    # read, not imported: importing it needs production's secrets and database
    source = (Path(django_settings.BASE_DIR) / "config/settings/production.py").read_text()
    assert f'"staticfiles": {{"BACKEND": "{PRODUCTION_STORAGE}"}}' in source


def test_collected_files_have_hashed_names_gzip_and_brotli_copies_and_pages_use_them(
    settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    staticfiles_storage._wrapped = empty  # the lazy storage picks up the settings above
    try:
        # Django's admin and the API docs' bundles are third-party and slow to compress: ours only
        call_command(
            "collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin", "ninja"]
        )
        manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
        for name in (
            "core/app.css",
            "core/app.js",
            "vendor/htmx-2.0.11.min.js",
            "livechat/widget.js",
        ):
            hashed = manifest[name]
            assert hashed != name
            assert (tmp_path / hashed).exists()
            assert (tmp_path / f"{hashed}.gz").exists(), name
            assert (tmp_path / f"{hashed}.br").exists(), name  # needs the Brotli package
        html = Client().get("/").content.decode()
        assert f'href="/static/{manifest["core/app.css"]}"' in html
        assert f'src="/static/{manifest["core/app.js"]}"' in html
        assert f'href="/static/{manifest["core/favicon.svg"]}"' in html
    finally:
        staticfiles_storage._wrapped = empty
