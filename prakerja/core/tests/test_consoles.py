"""Each role lands on its console after log-in and works under the staff navigation; staff
pages carry no public banner or chat launcher."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from prakerja.core import consoles
from prakerja.core.roles import Role
from prakerja.core.tests.factories import UserFactory, user_with_role
from prakerja.programs.tests.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
LANDINGS = [
    (Role.PARTICIPANT, "/dasbor/"),
    (Role.AGENT, "/agen/"),
    (Role.SUPERVISOR, "/laporan/papan/"),
    (Role.PMO_ADMIN, "/pmo/"),
]


def log_in(client, user, **query):
    suffix = "".join(f"?{k}={v}" for k, v in query.items())
    return client.post(f"/masuk/{suffix}", {"username": user.username, "password": PASSWORD})


@pytest.mark.parametrize(("role", "landing"), LANDINGS)
def test_each_role_lands_on_its_console(client, role, landing):
    response = log_in(client, user_with_role(role))
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(("role", "landing"), LANDINGS)
def test_a_logged_in_user_opening_the_log_in_page_goes_to_their_console(client, role, landing):
    client.force_login(user_with_role(role))
    response = client.get("/masuk/")
    assert response.status_code == 302
    assert response["Location"] == landing


def test_the_highest_role_wins_and_a_superuser_lands_on_the_pmo_console(client):
    both = UserFactory(roles=[Role.AGENT, Role.SUPERVISOR])
    assert log_in(client, both)["Location"] == "/laporan/papan/"
    client.logout()
    admin = UserFactory(is_superuser=True)
    assert log_in(client, admin)["Location"] == "/pmo/"


def test_a_user_without_a_role_goes_to_the_default(client):
    assert log_in(client, UserFactory())["Location"] == "/"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.AGENT, Role.PMO_ADMIN])
def test_a_safe_next_still_wins(client, role):
    response = log_in(client, user_with_role(role), next="/pengumuman/")
    assert response["Location"] == "/pengumuman/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/pmo/", "//evil.example/", "javascript:alert(1)"]
)
def test_an_off_site_next_is_ignored_for_the_console(client, unsafe):
    response = log_in(client, user_with_role(Role.AGENT), next=unsafe)
    assert response["Location"] == "/agen/"


# --- Registries --------------------------------------------------------------------------------


def test_landing_registry_orders_by_priority():
    registry = consoles.LandingRegistry()
    registry.register(role=Role.AGENT, url_name="helpdesk:workspace", priority=30)
    registry.register(role=Role.SUPERVISOR, url_name="helpdesk:supervisor", priority=20)
    user = UserFactory(roles=[Role.AGENT, Role.SUPERVISOR])
    assert registry.for_user(user).url_name == "helpdesk:supervisor"
    assert registry.for_user(user_with_role(Role.PARTICIPANT)) is None
    assert registry.for_user(AnonymousUser()) is None


def test_nav_registry_filters_by_role_and_check_and_skips_unmounted_urls():
    registry = consoles.NavRegistry()
    registry.register(consoles.NavLink("Inbox", "helpdesk:workspace", roles=(Role.AGENT,)))
    registry.register(
        consoles.NavLink("Hidden", "home", roles=(Role.AGENT,), visible=lambda user: False)
    )
    registry.register(consoles.NavLink("Gone", "nowhere:page", roles=(Role.AGENT,)))
    registry.register(
        consoles.NavLink("Console", "programs:pmo", roles=(Role.PMO_ADMIN,), section="pmo")
    )
    agent = user_with_role(Role.AGENT)
    assert registry.links_for(agent, current_path="/agen/") == [
        {"label": "Inbox", "url": "/agen/", "current": True}
    ]
    assert registry.links_for(agent, section="pmo") == []
    assert [link["label"] for link in registry.links_for(agent)] == ["Inbox"]


# --- Staff navigation and layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.AGENT, ["Inbox", "Chats", "Calls"], ["Reports", "Back office", "PMO console"]),
        (
            Role.SUPERVISOR,
            ["Inbox", "Chats", "Calls", "Supervisor board", "Reports", "Back office"],
            ["PMO console"],
        ),
        (
            Role.PMO_ADMIN,
            ["PMO console", "Reports", "Back office"],
            ["Inbox", "Chats", "Calls", "Supervisor board"],
        ),
    ],
)
def test_staff_navigation_links_each_role_to_its_tools(client, role, shown, hidden):
    client.force_login(user_with_role(role))
    client.cookies["django_language"] = "en"
    landing = consoles.landing_url(user_with_role(role))
    response = client.get(landing)
    labels = [str(link["label"]) for link in response.context["staff"]["links"]]
    for label in shown:
        assert label in labels
    for label in hidden:
        assert label not in labels
    for link in response.context["staff"]["links"]:
        assert client.get(link["url"]).status_code == 200, link


STAFF_PAGES = [
    (Role.AGENT, "/agen/"),
    (Role.AGENT, "/livechat/agent/"),
    (Role.AGENT, "/agent/phone/"),
    (Role.SUPERVISOR, "/agen/supervisor/"),
    (Role.SUPERVISOR, "/laporan/"),
    (Role.SUPERVISOR, "/laporan/papan/"),
    (Role.PMO_ADMIN, "/pmo/"),
    (Role.PMO_ADMIN, "/pmo/pratinjau/"),
]


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES)
def test_staff_pages_have_no_public_banner_or_chat_launcher(client, role, path):
    AnnouncementFactory(title="Gelombang 99 dibuka")
    client.force_login(user_with_role(role))
    body = client.get(path).content.decode()
    assert 'class="staff-layout"' in body
    assert "Gelombang 99 dibuka" not in body
    assert 'id="lc-launcher"' not in body
    assert 'id="console-link"' not in body


def test_public_pages_keep_the_banner_and_launcher_and_staff_get_a_console_link(client):
    AnnouncementFactory(title="Gelombang 99 dibuka")
    body = client.get("/").content.decode()
    assert "Gelombang 99 dibuka" in body
    assert 'id="lc-launcher"' in body
    assert 'id="console-link"' not in body

    client.force_login(user_with_role(Role.AGENT))
    body = client.get("/").content.decode()
    assert '<a href="/agen/" id="console-link">' in body
    assert "Gelombang 99 dibuka" in body


def test_agents_keep_the_screen_pop_on_staff_pages(client):
    client.force_login(user_with_role(Role.AGENT))
    assert 'id="tel-pop"' in client.get("/agen/").content.decode()


def test_participants_see_their_dashboard_button_and_staff_do_not(client):
    client.force_login(user_with_role(Role.PARTICIPANT))
    assert 'href="/dasbor/"' in client.get("/").content.decode()
    client.force_login(user_with_role(Role.SUPERVISOR))
    assert 'href="/dasbor/"' not in client.get("/").content.decode()


@override_settings(LOGIN_REDIRECT_URL="/pengumuman/")
def test_the_default_landing_follows_the_setting(client):
    assert log_in(client, UserFactory())["Location"] == "/pengumuman/"
