from urllib.parse import urlparse

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_home_in_indonesian_switches_to_english_and_loads_nothing_external(page, live_server):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("heading", level=1).inner_text() == "Program kartu pra-kerja"

    # Phones fold the header behind the menu button; the language is a button named in its own
    # language, not a select that submits on change.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    page.get_by_role("heading", name="Pre-employment card program").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"

    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"

    hosts = {urlparse(url).hostname for url in page.requests_seen if not url.startswith("data:")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert any("/static/vendor/htmx" in url for url in page.requests_seen)
