"""The Indonesian catalogs: Django merges every app's catalog into one, so a string translated
differently in two apps silently shows only the first app's translation everywhere; content written
only in Indonesian says so in English."""

import gettext
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise


def _catalogs() -> dict[str, dict]:
    found = {}
    for locale in settings.LOCALE_PATHS:
        mo = Path(locale) / "id" / "LC_MESSAGES" / "django.mo"
        if mo.exists():
            with mo.open("rb") as handle:
                found[str(mo)] = gettext.GNUTranslations(handle)._catalog
    return found


def test_every_domain_app_has_a_compiled_catalog():
    assert len(_catalogs()) == len(settings.LOCALE_PATHS)


def test_a_string_has_one_translation_across_apps():
    seen = defaultdict(dict)
    for path, catalog in _catalogs().items():
        for msgid, msgstr in catalog.items():
            if msgid:  # the header
                seen[msgid][path] = msgstr
    clashes = {msgid: by_app for msgid, by_app in seen.items() if len(set(by_app.values())) > 1}
    # Different meanings of one English string need a context (pgettext), not two translations.
    assert clashes == {}


def test_admin_sections_are_translated():
    # "Program" is the same word in both languages.
    same_word = {"Program"}
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("prakerja."):
            continue
        assert isinstance(app_config.verbose_name, Promise), app_config.name
        with translation.override("id"):
            indonesian = str(app_config.verbose_name)
        with translation.override("en"):
            english = str(app_config.verbose_name)
        assert indonesian != english or english in same_word, app_config.name


def test_indonesian_only_note_shows_in_english_only():
    with translation.override("en"):
        english = render_to_string("core/_indonesian_only.html")
        english_article = render_to_string("core/_indonesian_only.html", {"content_language": "en"})
    with translation.override("id"):
        indonesian = render_to_string("core/_indonesian_only.html")
    assert "This content is available in Indonesian only." in english
    assert 'data-content-language="id"' in english
    assert english_article.strip() == ""
    assert indonesian.strip() == ""
