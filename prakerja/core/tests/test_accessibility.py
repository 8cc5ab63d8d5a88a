"""WCAG 2.2 AA: axe-core finds nothing on any page, for any role, nor in the states that matter
(forms with errors, a ticket thread, the chat widget open, a phone's screen).

Every page route is visited: the routes come from the URL resolver, and those that name an object
get it from the page access matrix's world (`PAGES`) or from `OTHER_ARGUMENTS` below, so a new page
is checked without touching this file. Each role's test visits the pages that role gets as a whole
HTML document, but those a role before it in `CALLERS` gets as well (anonymous visitors first): the
earlier role's test checks them. The home page is checked in every role (each role's header differs).
"""

import dataclasses
import datetime as dt
import re
from urllib.parse import urljoin, urlparse

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from prakerja.core import clock
from prakerja.helpdesk.models import Article
from prakerja.surveys.links import survey_token
from prakerja.surveys.models import Delivery, Survey

from .test_access_matrix import CALLERS, PARTICIPANT
from .test_access_matrix_pages import NOT_OWNED, PAGES, build_page_world, page_routes, page_url

in_browser = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 412, "height": 915}


def _survey(world) -> dict:
    now = clock.now()
    survey = Survey.objects.create(
        ticket=world.ticket,
        channel="web",
        delivery=Delivery.EMAIL,
        sent_at=now,
        expires_at=now + dt.timedelta(days=3),
    )
    return {"token": survey_token(survey)}


def _password_reset(world) -> dict:
    user = world.callers[PARTICIPANT]
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


# The routes of `NOT_OWNED` (their argument is no one's object): the argument to visit them with.
OTHER_ARGUMENTS = {
    "akun/konfirmasi-email/<str:token>/": lambda world: {"token": "a-link-that-expired"},
    "akun/sandi-baru/<uidb64>/<token>/": _password_reset,
    "pengumuman/<int:pk>/": lambda world: {"pk": world.announcement.pk},
    "bantuan/<slug:slug>/": lambda world: {
        "slug": Article.objects.filter(is_published=True).values_list("slug", flat=True).first()
    },
    "gelombang/<int:number>/ikut/": lambda world: {"number": world.wave.number},
    "survei/<str:token>/": _survey,
}


@dataclasses.dataclass
class Visitor:
    context: object
    page: object


def _fill(route: str, arguments: dict) -> str:
    url = "/" + route
    for name, value in arguments.items():
        url = re.sub(r"<(?:\w+:)?" + name + ">", str(value), url)
    return url


def _every_page_url(world) -> list[str]:
    rows = {row.route: row for row in PAGES if row.method == "GET"}
    urls = ["/pengaduan/tidak-ada/"]  # the 404 page
    for route in page_routes(get_resolver().url_patterns):
        if "<" not in route:
            urls.append("/" + route)
        elif route in rows:
            urls.append(page_url(rows[route], world))
        elif route in OTHER_ARGUMENTS:
            urls.append(_fill(route, OTHER_ARGUMENTS[route](world)))
    return urls


def _context(browser, live_server, user=None, **options):
    context = browser.new_context(
        base_url=live_server.url, locale="id-ID", bypass_csp=True, **options
    )
    context.set_default_timeout(10_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {"name": k, "value": v.value, "url": live_server.url}
                for k, v in client.cookies.items()
            ]
        )
    return context


def _document_url(context, url: str) -> str | None:
    """The URL of the whole HTML page `url` shows the context (after a redirect that is not to
    the log-in page), or None: a fragment, a file, a refusal, a form that only takes POST."""
    login = reverse("accounts:login")
    for _hop in range(3):
        response = context.request.get(url, max_redirects=0)
        if response.status in (301, 302, 303):
            target = urlparse(urljoin(url, response.headers["location"]))
            url = target.path + (f"?{target.query}" if target.query else "")
            if target.path == login:
                return None
            continue
        if response.status not in (200, 404, 410):
            return None
        if not response.headers.get("content-type", "").startswith("text/html"):
            return None
        if not response.text().lstrip()[:15].lower().startswith("<!doctype html"):
            return None
        return url
    return None


def _check(page, axe, url: str, label: str) -> list[str]:
    page.goto(url)
    # Fragments htmx loads on `load` are part of the page: let them land.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    return axe(page, label)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.browser
@in_browser
def test_every_page_has_no_axe_violations(browser, live_server, seeded, axe, caller):
    world = build_page_world()
    contexts = {
        role: _context(browser, live_server, world.callers[role])
        for role in CALLERS[: CALLERS.index(caller) + 1]
    }
    context, earlier = contexts.pop(caller), list(contexts.values())
    page = context.new_page()
    visited, violations = set(), []
    for url in _every_page_url(world):
        document = _document_url(context, url)
        if document is None or document in visited:
            continue
        if document != "/" and any(_document_url(other, url) == document for other in earlier):
            continue  # an earlier role's test checks it
        visited.add(document)
        violations += _check(page, axe, document, f"{caller} {document}")
    for each in (context, *earlier):
        each.close()
    assert visited, f"{caller} sees no page"
    assert not violations, "\n".join(violations)


def test_every_argument_route_has_a_way_to_be_visited():
    assert set(OTHER_ARGUMENTS) == set(NOT_OWNED)


def _errors_tied_to_fields(page) -> None:
    """The GOV.UK pattern: the summary has the focus, each link leads to an invalid field whose
    aria-describedby names its error message."""
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    targets = page.eval_on_selector_all(
        "[data-error-summary] a", "links => links.map(a => a.getAttribute('href').slice(1))"
    )
    assert targets
    for target in targets:
        field = page.locator(f"[id='{target}']")
        assert field.get_attribute("aria-invalid") == "true", target
        described = field.get_attribute("aria-describedby").split()
        assert any(page.locator(f"[id='{d}']").inner_text().strip() for d in described), target
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.id") == targets[0]


@pytest.mark.browser
@in_browser
def test_forms_with_errors_a_ticket_thread_and_the_chat_widget(browser, live_server, seeded, axe):
    context = _context(browser, live_server)
    page = context.new_page()
    violations = []

    page.goto("/daftar/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    _errors_tied_to_fields(page)
    violations += axe(page, "sign-up with errors")

    page.goto("/pengaduan/")
    page.locator("#complaint-form button[type=submit]").click()
    page.wait_for_load_state()
    _errors_tied_to_fields(page)
    violations += axe(page, "complaint form with errors")

    page.fill("#id_name", "Siti Aminah")
    page.fill("#id_email", "siti@example.test")
    page.fill("#id_subject", "Kode OTP tidak masuk")
    page.fill("#id_description", "Sudah menunggu satu jam, kode OTP belum juga masuk ke HP saya.")
    page.locator("#complaint-form button[type=submit]").click()
    page.wait_for_url("**/pengaduan/terkirim/**")
    violations += axe(page, "complaint sent")
    page.locator("main a[href*='/pengaduan/lacak/']").first.click()
    page.wait_for_url("**/pengaduan/lacak/*/")
    violations += axe(page, "the requester's ticket thread")

    page.goto("/")
    page.locator("#lc-launcher").click()
    page.locator("#lc-name").wait_for()
    violations += axe(page, "chat widget open")
    context.close()
    assert not violations, "\n".join(violations)


@pytest.mark.browser
@in_browser
def test_key_pages_on_a_phone(browser, live_server, seeded, axe):
    """At a phone's size, too: no violation, and primary buttons are 44 px high to tap."""
    world = build_page_world()
    violations, small = [], []
    for user, urls in (
        (None, ["/", "/daftar/", "/pengaduan/", "/pengaduan/lacak/", "/bantuan/"]),
        (world.callers[PARTICIPANT], ["/dasbor/"]),
    ):
        context = _context(browser, live_server, user, viewport=PHONE, is_mobile=True)
        page = context.new_page()
        for url in urls:
            violations += _check(page, axe, url, f"phone {url}")
            small += [
                f"{url}: {text!r} is {height}px high"
                for text, height in page.eval_on_selector_all(
                    "main .button",
                    "els => els.filter(e => e.offsetParent)"
                    ".map(e => [e.innerText, e.getBoundingClientRect().height])",
                )
                if height < 44
            ]
        context.close()
    assert not violations, "\n".join(violations)
    assert not small, small
