"""The layout every page shares: languages offered by their own names on buttons, the favicon, the
error pages in the site's design in both languages (500 without the database), the public
navigation and the home page's next steps and program status."""

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.views import server_error
from prakerja.programs.tests.factories import WaveFactory

from .factories import user_with_role
from .test_database_blip import database_gone

pytestmark = pytest.mark.django_db


def test_languages_are_buttons_named_in_their_own_language(client):
    html = client.get("/").content.decode()
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in html
    assert "<select" not in html.split('class="lang-switch"')[1].split("</form>")[0]

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert (
        '<button type="submit" name="language" value="id" lang="id">Bahasa Indonesia</button>'
        in html
    )


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/core/favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon" href="/static/core/favicon.svg"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("id", "Halaman tidak ditemukan"), ("en", "Page not found")]
)
def test_404_is_a_page_of_the_site_in_both_languages(language, text):
    client = Client(headers={"cookie": f"django_language={language}"})
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    html = response.content.decode()
    assert text in html
    assert 'class="site-header"' in html
    assert 'href="/bantuan/"' in html  # the public navigation, to find the way on


@pytest.mark.parametrize("language", ["id", "en"])
def test_500_renders_without_the_database(language, django_assert_num_queries):
    request = RequestFactory().get("/pengaduan/")
    with translation.override(language), database_gone(), django_assert_num_queries(0):
        try:
            raise RuntimeError("boom")  # noqa: TRY301 - server_error reads the exception in flight
        except RuntimeError:
            response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'class="site-header"' in html
    assert "0800-150-3001" in html


def test_home_tells_the_open_wave_and_the_registration_state(client):
    now = clock.now()
    WaveFactory(
        number=41, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=3)
    )
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert "Registration is open" in html
    assert "Wave 41 is open until" in html
    # one card per next step: register, join a wave, buy a training, get help
    assert html.count('class="card step"') == 4
    assert 'href="/pelatihan/"' in html


def test_home_tells_when_the_next_wave_opens(client):
    now = clock.now()
    WaveFactory(
        number=42, opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=5)
    )
    client.cookies["django_language"] = "en"
    assert "Wave 42 opens on" in client.get("/").content.decode()


def test_staff_see_no_participant_steps_and_the_staff_layout_no_public_navigation(client):
    client.force_login(user_with_role(Role.SUPERVISOR))
    home = client.get("/").content.decode()
    assert 'href="/dasbor/"' not in home
    workspace = client.get("/agen/").content.decode()
    assert 'class="footer-links"' not in workspace
