"""Log-in puts an agent on shift online; the PMO console's roster page imports through the
same service as the supervisor's."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk import selectors
from prakerja.helpdesk.models import AgentPresence, PresenceStatus, RosterEntry, Shift

from .factories import agent, participant, supervisor

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
TODAY = dt.date(2026, 3, 10)  # open_hours: 10:00 WIB, the Pagi shift


def rostered(user, code: str, day: dt.date = TODAY):
    RosterEntry.objects.create(agent=user, shift=Shift.objects.get(code=code), date=day)
    return user


def log_in(client, user):
    return client.post("/masuk/", {"username": user.username, "password": PASSWORD})


def test_an_agent_on_shift_is_online_after_log_in_and_offered_the_queue(client, open_hours):
    user = rostered(agent(), "pagi")
    AgentPresence.objects.create(agent=user, status=PresenceStatus.AWAY)
    response = log_in(client, user)
    assert response["Location"] == "/agen/"
    assert selectors.presence_status_for(agent=user) == PresenceStatus.ONLINE
    assert list(selectors.agents_available()) == [user]


def test_a_supervisor_on_shift_is_online_too(client, open_hours):
    user = rostered(supervisor(), "pagi")
    log_in(client, user)
    assert selectors.presence_status_for(agent=user) == PresenceStatus.ONLINE


@pytest.mark.parametrize("code", ["siang", None])
def test_an_agent_off_shift_keeps_their_presence(client, open_hours, code):
    user = agent()
    if code:
        rostered(user, code)  # rostered today, but for the afternoon
    rostered(user, "pagi", TODAY - dt.timedelta(days=1))
    log_in(client, user)
    assert not AgentPresence.objects.filter(agent=user).exists()
    assert selectors.presence_status_for(agent=user) == PresenceStatus.OFFLINE


def test_participants_and_the_pmo_get_no_presence(client, open_hours):
    for user in (participant(), user_with_role(Role.PMO_ADMIN)):
        log_in(client, user)
        client.logout()
    assert not AgentPresence.objects.exists()


def test_pmo_roster_page_imports_and_shows_the_week(client, open_hours):
    agent(username="agen1")
    agent(username="agen2")
    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    page = client.get("/pmo/roster/")
    assert page.status_code == 200
    assert len(page.context["week"]) == 7
    csv = "tanggal;shift;nama pengguna\n2026-03-10;pagi;agen1\n2026-03-11;siang;agen2\n"
    response = client.post("/pmo/roster/", {"file": SimpleUploadedFile("r.csv", csv.encode())})
    assert response.status_code == 302
    assert response["Location"] == "/pmo/roster/"
    entry = AuditLog.objects.get(action="roster.import")
    assert entry.actor == pmo
    assert entry.after == {"created": 2, "skipped": 0}
    week = client.get("/pmo/roster/").context["week"]
    assert week[0]["date"] == clock.local_now().date()
    assert [(s["code"], s["agents"]) for s in week[0]["shifts"]] == [("pagi", 1)]
    assert [(s["code"], s["agents"]) for s in week[1]["shifts"]] == [("siang", 1)]
    assert week[2]["shifts"] == []


def test_pmo_roster_page_refuses_a_bad_file_whole(client, open_hours):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    bad = "2026-03-10,pagi,nobody\n"
    response = client.post("/pmo/roster/", {"file": SimpleUploadedFile("r.csv", bad.encode())})
    assert response.status_code == 422
    assert "nobody" in response.content.decode()
    latin = SimpleUploadedFile("r.csv", "2026-03-10,pagi,agén\n".encode("latin-1"))
    assert client.post("/pmo/roster/", {"file": latin}).status_code == 422
    assert not RosterEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.PARTICIPANT])
def test_pmo_roster_page_is_for_the_pmo_only(client, role):
    client.force_login(user_with_role(role))
    assert client.get("/pmo/roster/").status_code == 403


def test_roster_days_reads_one_query(django_assert_num_queries, open_hours):
    rostered(agent(), "pagi")
    with django_assert_num_queries(1):
        days = selectors.roster_days(start=TODAY, days=7)
    assert days[0]["shifts"][0]["agents"] == 1
