"""The summary API and selectors against hand-computed figures."""

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from prakerja.core.clock import local_datetime
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.surveys.models import Survey
from prakerja.surveys.services import survey_answer

from .factories import agent, reply_at, resolve_at, ticket_at

pytestmark = pytest.mark.django_db


def _served(at, channel, rating=None, *, staff, category="other", **contact):
    """A ticket created at `at`, answered 10 min and resolved 1 h later, optionally rated."""
    if channel == "phone":
        contact.setdefault("phone", "+6281234567890")
    ticket = ticket_at(at, channel=channel, category=category, assignee=staff, **contact)
    ticket = reply_at(ticket, at + dt.timedelta(minutes=10), staff)
    ticket = resolve_at(ticket, at + dt.timedelta(hours=1), staff)
    if rating is not None:
        survey = Survey.objects.get(ticket=ticket)
        with (
            time_machine.travel(at + dt.timedelta(hours=2), tick=False),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            survey_answer(survey=survey, rating=rating)
    return ticket


@pytest.fixture
def dataset():
    staff = agent()
    jan = local_datetime(2026, 1, 20, 9, 0)
    feb = local_datetime(2026, 2, 10, 9, 0)
    _served(jan, "chat", 5, staff=staff)
    _served(jan, "chat", 4, staff=staff)
    # 23:30 WIB on the last day of January (16:30 UTC): counts in January.
    _served(local_datetime(2026, 1, 31, 23, 30), "chat", 2, staff=staff)
    _served(jan, "phone", 3, staff=staff, category="registration")
    _served(feb, "phone", 5, staff=staff, category="registration")
    _served(feb, "web", None, staff=staff)  # surveyed, not answered
    return staff


def _get(client, token, **params):
    return client.get(
        "/api/v1/reports/summary", params, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def pmo_token():
    return api_token_create(user=user_with_role(Role.PMO_ADMIN, username="pmo1"), name="t")[1]


def test_summary_for_two_months_by_hand(client, dataset, pmo_token):
    body = _get(client, pmo_token, start="2026-01-01", end="2026-02-28").json()
    assert body["start"] == "2026-01-01"
    assert body["end"] == "2026-02-28"
    assert body["total"] == 6
    assert body["months"] == 2
    assert body["monthly_average"] == 3.0
    assert body["by_channel"] == {"chat": 3, "phone": 2, "web": 1, "email": 0}
    assert body["by_month"] == [
        {
            "month": "2026-01",
            "total": 4,
            "by_channel": {"chat": 3, "phone": 1, "web": 0, "email": 0},
        },
        {
            "month": "2026-02",
            "total": 2,
            "by_channel": {"chat": 0, "phone": 1, "web": 1, "email": 0},
        },
    ]
    # chat 2/3 = 66.7; phone 1/2 = 50.0; web no responses -> null, left out of the average.
    assert body["csat"] == {
        "chat": 66.7,
        "phone": 50.0,
        "web": None,
        "email": None,
        "channel_average": 58.3,  # (66.667 + 50) / 2
        "overall": 60.0,  # 3 / 5
        "responses": 5,
        "response_rate": 83.3,  # 5 / 6 surveys sent
    }


def test_time_zone_edge_and_part_months(client, dataset, pmo_token):
    # February alone does not include the 23:30 WIB Jan 31 chat (16:30 UTC, same UTC date).
    feb = _get(client, pmo_token, start="2026-02-01", end="2026-02-28").json()
    assert feb["by_channel"] == {"chat": 0, "phone": 1, "web": 1, "email": 0}
    assert feb["csat"]["chat"] is None
    assert feb["csat"]["channel_average"] == 100.0  # phone only: 1/1
    last_day = _get(client, pmo_token, start="2026-01-31", end="2026-01-31").json()
    assert last_day["total"] == 1
    assert last_day["csat"]["chat"] == 0.0
    # 31 Jan - 1 Feb spans two (part) months: 1 report / 2 months.
    edge = _get(client, pmo_token, start="2026-01-31", end="2026-02-01").json()
    assert (edge["total"], edge["months"], edge["monthly_average"]) == (1, 2, 0.5)
    assert [m["month"] for m in edge["by_month"]] == ["2026-01", "2026-02"]


def test_empty_range(client, dataset, pmo_token):
    body = _get(client, pmo_token, start="2025-03-01", end="2025-03-31").json()
    assert body["total"] == 0
    assert body["monthly_average"] == 0.0
    assert body["csat"] == {
        "chat": None,
        "phone": None,
        "web": None,
        "email": None,
        "channel_average": None,
        "overall": None,
        "responses": 0,
        "response_rate": None,
    }


def test_default_range_is_this_year(client, pmo_token):
    with time_machine.travel(local_datetime(2026, 5, 5, 10, 0), tick=False):
        body = _get(client, pmo_token).json()
    assert (body["start"], body["end"], body["months"]) == ("2026-01-01", "2026-05-05", 5)


def test_access_and_validation(client, pmo_token):
    assert client.get("/api/v1/reports/summary").status_code == 401
    agent_token = api_token_create(user=agent("agent9"), name="t")[1]
    denied = _get(client, agent_token)
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    supervisor = api_token_create(user=user_with_role(Role.SUPERVISOR, username="sup"), name="t")[1]
    assert _get(client, supervisor).status_code == 200
    reversed_range = _get(client, pmo_token, start="2026-02-01", end="2026-01-01")
    assert reversed_range.status_code == 422
    assert "end" in reversed_range.json()["errors"]
    assert _get(client, pmo_token, start="2026-13-01").status_code == 422


def test_summary_reads_rollups_in_one_query(client, dataset, pmo_token, django_assert_num_queries):
    # token + user + roles + one rollup query, then the queue metrics: their rollup, the last
    # days' calls and chats live, deflections. A constant whatever the volume.
    with django_assert_num_queries(8):
        assert _get(client, pmo_token, start="2026-01-01", end="2026-12-31").status_code == 200
