"""Page-weight budget: a first visit to a public page (HTML plus every stylesheet, script, icon and
image it references, nothing cached) stays under 100 KB gzip-compressed, as served to a phone.

Static files are looked up through the static finders and compressed here as WhiteNoise compresses
them at collectstatic (gzip, level 9); no browser needed."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from prakerja.core.roles import Role

from .factories import user_with_role

pytestmark = pytest.mark.django_db

BUDGET = 100 * 1024
ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="(/static/[^"?#]+)"')
PUBLIC_PAGES = [
    "home",
    "accounts:signup",
    "accounts:login",
    "helpdesk:complaint",
    "helpdesk:track",
    "helpdesk:kb",
    "training:catalog",
    "programs:announcements",
    "reports:public",
]


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def first_visit_weight(html: str) -> tuple[int, dict[str, int]]:
    sizes = {"(html)": gzipped(html.encode())}
    for url in dict.fromkeys(ASSET.findall(html)):
        path = finders.find(url.removeprefix("/static/"))
        assert path, f"{url} is referenced but not found"
        with open(path, "rb") as f:
            sizes[url] = gzipped(f.read())
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_first_visit_is_under_the_budget(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    total, sizes = first_visit_weight(response.content.decode())
    assert len(sizes) >= 3  # the page, the stylesheet and the scripts were all counted
    assert total < BUDGET, sizes


def test_participant_dashboard_first_visit_is_under_the_budget(client):
    client.force_login(user_with_role(Role.PARTICIPANT))
    response = client.get(reverse("programs:dashboard"))
    assert response.status_code == 200
    total, sizes = first_visit_weight(response.content.decode())
    assert total < BUDGET, sizes


def test_the_weight_counts_every_referenced_asset():
    html = (
        '<link rel="stylesheet" href="/static/core/app.css">'
        '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>'
    )
    total, sizes = first_visit_weight(html)
    assert set(sizes) == {"(html)", "/static/core/app.css", "/static/vendor/htmx-2.0.11.min.js"}
    assert total > 15_000  # htmx alone is about 16 KB compressed
