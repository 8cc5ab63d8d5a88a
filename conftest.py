"""Suite-wide fixtures and the skip-or-fail rule for PostgreSQL, Redis and browser tests.

On a bare machine tests marked `postgres`, `redis`, `browser` or `mail` skip with the reason;
with REQUIRE_POSTGRES=1 (PostgreSQL and Redis), REQUIRE_BROWSER=1 or REQUIRE_MAIL=1 (an IMAP
server at TEST_IMAP_URL, which `.ci/dovecot start DIR` provides) they fail instead, so CI cannot
pass without running them.

Transactional tests (`django_db(transaction=True)`) that need the data migrations' rows (roles,
categories, hours, shifts) use the `seeded` fixture: another transactional test's flush has
emptied them, and `serialized_rollback` cannot restore them once a flush re-created content types.
"""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests check results, not speed: on a loaded CI machine a slow example is not a failure.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _required(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0", "false", "no")


def _skip_or_fail(reason: str, flag: str) -> None:
    if _required(flag):
        pytest.fail(f"{reason} (required because {flag}=1)", pytrace=False)
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _requirements(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("needs PostgreSQL: set TEST_DATABASE_URL=postgres://...", "REQUIRE_POSTGRES")
    if request.node.get_closest_marker("redis"):
        url = settings.TEST_REDIS_URL
        if not url or not _reachable(url, 6379):
            _skip_or_fail("needs Redis: set TEST_REDIS_URL=redis://...", "REQUIRE_POSTGRES")
    if request.node.get_closest_marker("mail"):
        url = settings.TEST_IMAP_URL
        if not url or not _reachable(url, 143):
            _skip_or_fail(
                "needs an IMAP server: set TEST_IMAP_URL=imap://user:pass@host:port/INBOX "
                "(`.ci/dovecot start DIR` starts a private Dovecot and prints it)",
                "REQUIRE_MAIL",
            )
    if request.node.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _skip_or_fail(f"needs Chromium at {CHROMIUM} (apt-get install chromium)", "REQUIRE_BROWSER")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached state never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


SEED_MIGRATIONS = [
    ("prakerja.core.migrations.0002_roles", "create_roles"),
    ("prakerja.helpdesk.migrations.0002_seed", "seed"),
    ("prakerja.helpdesk.migrations.0003_seed_knowledge_base", "seed"),
    ("prakerja.helpdesk.migrations.0008_seed_knowledge_base_every_category", "seed"),
    ("prakerja.helpdesk.migrations.0013_seed_knowledge_base_training", "seed"),
    ("prakerja.programs.migrations.0007_seed_skills_questions", "seed"),
]


@pytest.fixture
def seeded(transactional_db):
    """Re-run the idempotent data-migration seeds (roles; helpdesk categories, hours, shifts,
    knowledge base). Browser tests need it too: with Playwright's event loop in the test thread,
    Django's per-context connection lacks the serialized copy `serialized_rollback` restores."""
    from importlib import import_module

    from django.apps import apps

    for module, function in SEED_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def redis_url():
    return settings.TEST_REDIS_URL


# --- Browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    if not shutil.which(CHROMIUM):
        yield None
        return
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM refuses to run in a
    # thread with a running loop unless told the access is deliberate (tests touch the DB directly).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    # With that loop running, `connections` hands this thread new connection objects, which lack
    # the serialized test data that `serialized_rollback` restores: carry it over, or every
    # transactional test after the first browser test in a worker starts without seeded rows.
    saved = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as pw:
        for alias, contents in saved.items():
            connections[alias]._test_serialized_contents = contents
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if _playwright is None:
        yield None
        return
    instance = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield instance
    instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page; every request it makes is recorded in page.requests_seen."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    new_page.requests_seen = []
    new_page.on("request", lambda req: new_page.requests_seen.append(req.url))
    yield new_page
    context.close()


AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _axe_violations(page, label: str) -> list[str]:
    """One line per failing element of the page as it is now: page, axe rule, element, why."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{label}: {violation['id']} at {node['target']}: "
        + " ".join((node.get("failureSummary") or violation["help"]).split())
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.fixture
def axe(browser):
    """`axe(page, label)` runs axe-core (package-lock.json pins it; `make test` installs it)
    against WCAG 2.0, 2.1 and 2.2 A and AA and returns the violations, one line each. Contexts
    need `bypass_csp=True`: the script is injected inline, which the site's CSP refuses."""
    if not AXE_SCRIPT.exists():
        _skip_or_fail(
            f"needs axe-core at {AXE_SCRIPT}: run `npm ci` (`make test` runs it)", "REQUIRE_BROWSER"
        )
    return _axe_violations


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated data (roles, seeded rows) on start.

    Without this, a transactional test without `serialized_rollback` flushes and re-creates
    content types through post_migrate, and a later test with `serialized_rollback` then fails
    restoring them (duplicate content types); which test runs after which depends on xdist.
    With it, every flush skips post_migrate and every test starts from the migrated state.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        kwargs = {**marker.kwargs, "serialized_rollback": True}
        item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, with PostgreSQL's dropped even when a thread of the
    suite (a live server's, a websocket consumer's database executor) still holds a session on
    it: those sessions are ended first, so no test database is left behind on the server."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            conn = connections[alias]
            if conn.vendor != "postgresql":
                continue
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
