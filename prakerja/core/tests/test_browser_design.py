"""The layout on a phone (412x915): a compact header whose menu opens the navigation, tap targets of
at least 24px (44px for primary buttons), a banner that can be hidden for good, and a chat launcher
that never covers the field being filled in."""

import pytest

from prakerja.programs.tests.factories import AnnouncementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 412, "height": 915}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def test_phone_header_is_one_compact_row_and_the_menu_opens_the_navigation(phone, live_server):
    phone.goto("/pengaduan/")
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] <= 64, header
    nav = phone.get_by_role("navigation", name="Utama")
    assert not nav.is_visible()
    toggle = phone.locator("#menu-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="Bantuan").is_visible()
    assert phone.get_by_role("button", name="English").is_visible()


def test_tap_targets_are_large_enough_on_a_phone(phone, live_server):
    for path in ("/", "/pengaduan/", "/daftar/", "/masuk/"):
        phone.goto(path)
        phone.locator("#menu-toggle").click()
        small = phone.evaluate(
            """() => Array.from(document.querySelectorAll(
                  'button, select, input:not([type=hidden]), .site-nav a, .step-actions a, .footer-links a'))
                .filter(el => el.offsetParent !== null)
                .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
                .filter(([, r]) => r.height < 24 || r.width < 24)
                .map(([html, r]) => html + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""
        )
        assert small == [], (path, small)
        primary = phone.evaluate(
            """() => Array.from(document.querySelectorAll('main .button'))
                .filter(el => el.offsetParent !== null)
                .map(el => el.getBoundingClientRect().height)"""
        )
        assert primary, path
        assert min(primary) >= 44, (path, primary)


def test_a_hidden_banner_stays_hidden_on_the_next_pages(phone, live_server):
    AnnouncementFactory(title="Gelombang 99 dibuka")
    phone.goto("/")
    banner = phone.locator(".banner", has_text="Gelombang 99 dibuka")
    banner.locator(".banner-dismiss").click()
    assert not banner.is_visible()
    phone.goto("/pengaduan/")
    assert phone.locator(".banner", has_text="Gelombang 99 dibuka").count() == 1
    assert not phone.locator(".banner", has_text="Gelombang 99 dibuka").is_visible()


def test_chat_launcher_is_small_and_steps_aside_while_a_field_is_filled_in(phone, live_server):
    phone.goto("/pengaduan/")
    launcher = phone.locator("#lc-launcher")
    box = launcher.bounding_box()
    assert box["width"] <= 60
    assert box["height"] <= 60
    assert box["height"] >= 44
    assert box["x"] + box["width"] <= PHONE["width"]
    field = phone.locator("#id_description")
    field.scroll_into_view_if_needed()
    field.focus()
    assert (
        phone.evaluate(
            "() => getComputedStyle(document.getElementById('lc-launcher')).pointerEvents"
        )
        == "none"
    )
    field.blur()
    assert (
        phone.evaluate(
            "() => getComputedStyle(document.getElementById('lc-launcher')).pointerEvents"
        )
        == "auto"
    )
