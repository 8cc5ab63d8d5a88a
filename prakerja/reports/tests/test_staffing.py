"""The staffing planner: Erlang C against published worked examples, and the API's intervals
against history imported with import_tickets and the roster."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from prakerja.core.clock import local_datetime
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk.models import RosterEntry, Shift
from prakerja.reports.staffing import agents_required, arrival_dates, erlang_c, service_level

URL = "/api/v1/reports/staffing"


def test_erlang_c_matches_the_published_worked_example():
    # Call Centre Helper, "Erlang C Formula - Made Simple": 100 calls in 30 minutes, 3 minutes'
    # handling time (10 Erlangs), 80% answered in 20 s. 13 agents: P(wait) 28.5%, service level
    # 79.6%; 14 agents: 88.8%, so 14 are needed (before shrinkage).
    assert erlang_c(traffic=10, agents=13) == pytest.approx(0.2853, abs=5e-5)
    assert service_level(
        traffic=10, agents=13, aht_seconds=180, answer_seconds=20
    ) == pytest.approx(0.7956, abs=5e-5)
    assert service_level(
        traffic=10, agents=14, aht_seconds=180, answer_seconds=20
    ) == pytest.approx(0.8884, abs=5e-5)
    assert (
        agents_required(
            arrivals=100, interval_seconds=1800, aht_seconds=180, target=0.8, answer_seconds=20
        )
        == 14
    )


def test_erlang_c_edges():
    assert erlang_c(traffic=1, agents=1) == 1.0  # as many Erlangs as agents: everyone waits
    assert erlang_c(traffic=0.5, agents=1) == pytest.approx(0.5)  # M/M/1: P(wait) = utilisation
    assert (
        agents_required(
            arrivals=0, interval_seconds=3600, aht_seconds=300, target=0.8, answer_seconds=20
        )
        == 0
    )
    # Large traffic stays finite (no factorial overflow) and needs more agents than Erlangs.
    assert agents_required(
        arrivals=20_000, interval_seconds=3600, aht_seconds=300, target=0.9, answer_seconds=20
    ) in range(1668, 1800)


@pytest.mark.parametrize("traffic", [0.3, 4.2, 37.5])
def test_service_level_grows_with_agents(traffic):
    levels = [
        service_level(traffic=traffic, agents=n, aht_seconds=240, answer_seconds=30)
        for n in range(int(traffic) + 1, int(traffic) + 12)
    ]
    assert levels == sorted(levels)
    assert 0 < levels[0] < levels[-1] <= 1


def test_forecast_reads_the_same_weekday_of_the_four_weeks_before_today():
    today = dt.date(2026, 3, 18)  # a Wednesday
    assert arrival_dates(date=dt.date(2026, 3, 17), today=today) == [dt.date(2026, 3, 17)]
    weds = [dt.date(2026, 3, 11), dt.date(2026, 3, 4), dt.date(2026, 2, 25), dt.date(2026, 2, 18)]
    assert arrival_dates(date=today, today=today) == weds
    assert arrival_dates(date=dt.date(2026, 3, 25), today=today) == weds
    thursdays = [
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 5),
        dt.date(2026, 2, 26),
        dt.date(2026, 2, 19),
    ]
    assert arrival_dates(date=dt.date(2026, 3, 19), today=today) == thursdays


def _import(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    lines = [
        "reference,channel,category,created_at,first_response_at,resolved_at,csat_rating,agent"
    ]
    lines += [f"S-{i},{channel},other,{created},,,," for i, (channel, created) in enumerate(rows)]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_tickets", str(path), "--no-progress")


@pytest.fixture
def history(tmp_path):
    """Tuesday 3 March 2026: 100 calls between 09:00 and 10:00 WIB, 3 chats at 09:xx, 1 call at
    14:xx; two agents on the morning shift and one on the afternoon shift."""
    rows = [("phone", f"2026-03-03 09:{i % 60:02d}:00") for i in range(100)]
    rows += [("chat", "2026-03-03 09:15:00")] * 3 + [("phone", "2026-03-03 14:30:00")]
    _import(tmp_path, rows)
    morning, afternoon = Shift.objects.order_by("starts_at")[:2]
    for name, shift in [("a1", morning), ("a2", morning), ("a3", afternoon)]:
        agent = user_with_role(Role.AGENT, username=name)
        RosterEntry.objects.create(agent=agent, shift=shift, date=dt.date(2026, 3, 3))


@pytest.mark.django_db
@time_machine.travel(local_datetime(2026, 3, 20, 12), tick=False)
def test_past_day_uses_its_actual_arrivals_and_roster(client, history):
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    response = client.get(
        URL,
        {
            "date": "2026-03-03",
            "channel": "phone",
            "aht_seconds": 180,
            "service_level": 0.8,
            "answer_seconds": 20,
            "interval_minutes": 60,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["forecast"] is False
    intervals = body["intervals"]
    assert len(intervals) == 24
    nine, fourteen = intervals[9], intervals[14]
    assert nine["start"] == "2026-03-03T09:00:00+07:00"
    assert nine["arrivals"] == 100
    # 100 calls an hour at 3 minutes is 5 Erlangs: 8 agents answer 80% within 20 s.
    assert nine["required_agents"] == agents_required(
        arrivals=100, interval_seconds=3600, aht_seconds=180, target=0.8, answer_seconds=20
    )
    assert nine["required_agents"] == 8
    assert nine["rostered_agents"] == 2
    assert (fourteen["arrivals"], fourteen["required_agents"], fourteen["rostered_agents"]) == (
        1,
        1,
        1,
    )
    assert intervals[3] == {
        "start": "2026-03-03T03:00:00+07:00",
        "arrivals": 0,
        "required_agents": 0,
        "rostered_agents": 0,
    }


@pytest.mark.django_db
@time_machine.travel(local_datetime(2026, 3, 20, 12), tick=False)
def test_chat_divides_handling_time_by_concurrency_and_intervals_span_hours(client, history):
    client.force_login(user_with_role(Role.PMO_ADMIN, username="pmo"))
    body = client.get(
        URL,
        {
            "date": "2026-03-03",
            "channel": "chat",
            "aht_seconds": 600,
            "interval_minutes": 120,
            "concurrency": 3,
        },
    ).json()
    assert len(body["intervals"]) == 12
    eight = body["intervals"][4]
    assert eight["start"] == "2026-03-03T08:00:00+07:00"
    assert eight["arrivals"] == 3
    assert eight["required_agents"] == agents_required(
        arrivals=3, interval_seconds=7200, aht_seconds=200, target=0.8, answer_seconds=20
    )


@pytest.mark.django_db
@time_machine.travel(local_datetime(2026, 3, 20, 12), tick=False)
def test_a_future_day_is_forecast_from_the_same_weekday(client, tmp_path):
    # Fridays 13 and 6 March had 8 and 4 calls at 10:xx; 27 Feb and 20 Feb none.
    rows = [("phone", "2026-03-13 10:05:00")] * 8 + [("phone", "2026-03-06 10:05:00")] * 4
    _import(tmp_path, rows)
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    body = client.get(URL, {"date": "2026-03-27"}).json()
    assert body["forecast"] is True
    assert body["intervals"][10]["arrivals"] == 3.0  # (8 + 4 + 0 + 0) / 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-03-03", "channel": "web"}, "channel"),
        ({"date": "2026-03-03", "interval_minutes": 45}, "interval_minutes"),
        ({"date": "2026-03-03", "interval_minutes": 420}, "interval_minutes"),
        ({"date": "2026-03-03", "service_level": 1.5}, None),
        ({"date": "2026-03-03", "aht_seconds": 0}, None),
        ({"date": "03-03-2026"}, None),
        # Until 1924 Jakarta kept local mean time (+07:07:12), which is no RFC 3339 offset.
        ({"date": "1440-10-26"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({}, None),
    ],
)
def test_bad_parameters_are_422(client, params, field):
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    response = client.get(URL, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    if field:
        assert field in body["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTICIPANT])
def test_only_supervisors_and_pmo_plan(client, role):
    client.force_login(user_with_role(role, username="u"))
    assert client.get(URL, {"date": "2026-03-03"}).status_code == 403
    client.logout()
    assert client.get(URL, {"date": "2026-03-03"}).status_code == 401


@pytest.mark.django_db
@time_machine.travel(local_datetime(2026, 3, 20, 12), tick=False)
def test_page_shows_the_plan_with_the_shortfall_marked(client, history):
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    response = client.get(
        "/laporan/staf/",
        {
            "date": "2026-03-03",
            "channel": "phone",
            "aht_seconds": 180,
            "service_level": 80,
            "answer_seconds": 20,
            "interval_minutes": 60,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr") == 25  # the header and 24 hours
    # 09:00 needs 8 agents and has 2 on the roster: the only interval short of agents.
    assert html.count("data-short") == 1
    assert "kurang 6" in html  # 8 required, 2 on the roster
    # the chart: required and rostered agents per hour, the 09.00 point with its tooltip
    start = html.index('id="staffing-chart"')
    chart = html[start : html.index("</figure>", start)]
    assert chart.count("<polyline") == 2
    assert chart.count("<circle") == 48
    assert ">09.00 · " in chart


@pytest.mark.django_db
def test_page_refuses_bad_parameters_and_other_roles(client):
    client.force_login(user_with_role(Role.SUPERVISOR, username="spv"))
    assert client.get("/laporan/staf/").status_code == 200  # today's forecast, the defaults
    bad = client.get("/laporan/staf/", {"date": "2026-03-03", "channel": "web", "aht_seconds": 0})
    assert bad.status_code == 422
    client.force_login(user_with_role(Role.AGENT, username="ag"))
    assert client.get("/laporan/staf/").status_code == 403
