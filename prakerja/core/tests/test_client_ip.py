"""The client address behind trusted proxies (NUM_PROXIES), and the limits keyed on it."""

import pytest
from django.test import RequestFactory

from prakerja.core.ratelimit import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.9"),
        (0, "1.1.1.1", "10.0.0.9"),  # no proxy: the header is the client's own words
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged first hop is ignored
        (1, "6.6.6.6,203.0.113.7 ", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.1.1.1", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer hops than proxies: not from the proxies
        (1, "", "10.0.0.9"),
    ],
)
def test_client_is_the_nth_address_from_the_right(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def _behind_proxy(n: int) -> dict:
    """What nginx passes on: a forged hop from the client, then the address nginx saw."""
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.7", "REMOTE_ADDR": "127.0.0.1"}


@pytest.mark.django_db
def test_forged_first_hops_do_not_reset_the_login_limit(client, settings):
    settings.NUM_PROXIES = 1
    statuses = [
        client.post(
            "/masuk/", {"username": f"user{n}", "password": "x"}, **_behind_proxy(n)
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


@pytest.mark.django_db
def test_forged_first_hops_do_not_reset_the_tracking_limit(client, settings):
    settings.NUM_PROXIES = 1
    settings.HELPDESK_TRACK_PER_IP = 3
    statuses = [
        client.get("/api/v1/tickets/PK-NOPE?email=a@example.test", **_behind_proxy(n)).status_code
        for n in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


@pytest.mark.django_db
def test_clients_behind_the_proxy_have_their_own_counters(client, settings):
    settings.NUM_PROXIES = 1
    settings.HELPDESK_TRACK_PER_IP = 1
    for n in range(3):
        response = client.get(
            "/api/v1/tickets/PK-NOPE?email=a@example.test",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            REMOTE_ADDR="127.0.0.1",
        )
        assert response.status_code == 404
