import pytest

from prakerja.core.services import api_token_create
from prakerja.helpdesk import services
from prakerja.helpdesk.models import Channel, Ticket

from .factories import agent, participant, supervisor

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "channel": "web",
    "category": "certificate",
    "subject": "Sertifikat",
    "description": "Belum terbit.",
    "name": "Andi",
    "email": "andi@example.test",
    "phone": "+6281311112222",
}


def bearer(user):
    _token, raw = api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_guest_creates_and_tracks(client):
    response = client.post("/api/v1/tickets", PAYLOAD, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"reference", "status"}
    assert body["status"] == "new"
    ref = body["reference"]
    track = client.get(f"/api/v1/tickets/{ref}", {"email": "ANDI@example.test"})
    assert track.status_code == 200
    data = track.json()
    assert data["reference"] == ref
    assert data["category"] == "certificate"
    assert [m["body"] for m in data["messages"]] == ["Belum terbit."]


def test_category_defaults_to_other(client):
    payload = {k: v for k, v in PAYLOAD.items() if k != "category"}
    ref = client.post("/api/v1/tickets", payload, content_type="application/json").json()[
        "reference"
    ]
    assert Ticket.objects.get(reference=ref).category.slug == "other"


def test_tracking_404_does_not_say_which_part_is_wrong(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    wrong_email = client.get(f"/api/v1/tickets/{ticket.reference}", {"email": "x@example.test"})
    wrong_ref = client.get("/api/v1/tickets/AAAA-AAAA", {"email": "n@example.test"})
    no_email = client.get(f"/api/v1/tickets/{ticket.reference}")
    assert wrong_email.status_code == wrong_ref.status_code == no_email.status_code == 404
    assert wrong_email.json() == wrong_ref.json()
    assert wrong_email.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"email": "nope"}, "email"),
        ({"category": "unknown"}, "category"),
        ({"channel": "phone"}, "channel"),
        ({"subject": "x" * 201}, "subject"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_bad_input_is_422_with_field_errors(client, change, field):
    response = client.post(
        "/api/v1/tickets", {**PAYLOAD, **change}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_malformed_json_is_not_a_500(client):
    response = client.post("/api/v1/tickets", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_rate_limited_is_429(client, settings):
    settings.HELPDESK_INTAKE_PER_IP = 2
    for _ in range(2):
        client.post("/api/v1/tickets", PAYLOAD, content_type="application/json")
    response = client.post("/api/v1/tickets", PAYLOAD, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "Retry-After" in response


def test_integration_token_may_open_phone_tickets(client):
    response = client.post(
        "/api/v1/tickets",
        {**PAYLOAD, "channel": "phone", "email": ""},
        content_type="application/json",
        **bearer(agent()),
    )
    assert response.status_code == 201
    assert Ticket.objects.get().channel == "phone"


def test_logged_in_participant_details_fill_the_ticket(client):
    user = participant(full_name="Putri", email="putri@example.test")
    client.force_login(user)
    payload = {"subject": "Halo", "description": "Tolong", "category": "account"}
    response = client.post("/api/v1/tickets", payload, content_type="application/json")
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.requester == user
    assert ticket.requester_email == "putri@example.test"


def test_requester_reply_via_api(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    url = f"/api/v1/tickets/{ticket.reference}/replies"
    ok = client.post(
        url, {"email": "n@example.test", "body": "Halo"}, content_type="application/json"
    )
    assert ok.status_code == 201
    bad = client.post(
        url, {"email": "x@example.test", "body": "Halo"}, content_type="application/json"
    )
    assert bad.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"body": "Halo"},
        {"body": ""},
        {"body": "x" * 10_001},
        {"body": 5, "client_msg_id": ["x"]},
        {},
        [],
        None,
    ],
)
def test_requester_reply_with_a_wrong_pair_is_404_whatever_the_body(client, body):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    url = f"/api/v1/tickets/{ticket.reference}/replies"
    payload = {**body, "email": "x@example.test"} if isinstance(body, dict) else body
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_requester_reply_checks_the_body_once_the_pair_is_right(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"email": "n@example.test", "body": "x" * 10_001},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "body" in response.json()["errors"]


def test_requester_replies_share_the_tracking_limit(client, settings):
    settings.HELPDESK_TRACK_PER_IP = 3
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    url = f"/api/v1/tickets/{ticket.reference}/replies"
    assert client.get(f"/api/v1/tickets/{ticket.reference}?email=x@example.test").status_code == 404
    statuses = [
        client.post(
            url, {"email": f"x{n}@example.test", "body": "Halo"}, content_type="application/json"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]


def test_agent_endpoints_need_the_role(client):
    services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    assert client.get("/api/v1/agent/tickets").status_code == 401
    assert client.get("/api/v1/agent/tickets", **bearer(participant())).status_code == 403


def test_agent_queue_reply_patch_assign(client):
    staff, boss = agent(), supervisor()
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    auth = bearer(staff)
    queue = client.get("/api/v1/agent/tickets", {"queue": "unassigned"}, **auth).json()
    assert [t["reference"] for t in queue["results"]] == [ticket.reference]
    assert client.get("/api/v1/agent/tickets", {"queue": "nope"}, **auth).status_code == 422
    reply = client.post(
        f"/api/v1/agent/tickets/{ticket.reference}/messages",
        {"body": "Halo", "internal": True, "client_msg_id": "x1"},
        content_type="application/json",
        **auth,
    )
    assert reply.status_code == 201
    assert reply.json()["kind"] == "internal"
    patched = client.patch(
        f"/api/v1/agent/tickets/{ticket.reference}",
        {"status": "resolved", "priority": "high"},
        content_type="application/json",
        **auth,
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "resolved"
    bad = client.patch(
        f"/api/v1/agent/tickets/{ticket.reference}",
        {"status": "new"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 409
    other = agent()
    forbidden = client.post(
        f"/api/v1/agent/tickets/{ticket.reference}/assign",
        {"assignee": other.username},
        content_type="application/json",
        **auth,
    )
    assert forbidden.status_code == 403
    allowed = client.post(
        f"/api/v1/agent/tickets/{ticket.reference}/assign",
        {"assignee": other.username},
        content_type="application/json",
        **bearer(boss),
    )
    assert allowed.status_code == 200
    assert allowed.json()["assignee"] == other.username
    presence = client.post(
        "/api/v1/agent/presence", {"status": "away"}, content_type="application/json", **auth
    )
    assert presence.json()["status"] == "away"
    assert client.post("/api/v1/agent/claim-next", **auth).status_code == 204


def test_agent_cannot_take_another_agents_ticket_through_the_api(client):
    owner, other = agent(), agent()
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    services.ticket_assign(ticket=ticket, agent=owner, actor=supervisor())
    url = f"/api/v1/agent/tickets/{ticket.reference}/assign"
    auth = bearer(other)
    taken = client.post(url, {"assignee": other.username}, content_type="application/json", **auth)
    assert taken.status_code == 409
    assert taken.json()["code"] == "already_assigned"
    released = client.post(url, {"assignee": None}, content_type="application/json", **auth)
    assert released.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee == owner


def test_openapi_documents_the_agent_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/tickets" in paths
    assert "/api/v1/agent/tickets/{reference}/messages" in paths
