"""Object-level access over the whole API: caller role x object x action, from one table.

Every (method, path) the API registers must have a row in `TABLE` (a new endpoint without one
fails `test_every_api_operation_has_a_row`). Each row says what each caller gets when it acts on
objects that belong to someone else: a participant's ticket, wave application and account, a
ticket assigned to another agent. Besides the status, no response may carry the owner's personal
data or the ticket's text unless the row names the caller in `sees` (agents and supervisors work
on every ticket by design; everyone else must not learn it: no IDOR). Besides the roles, one
caller is another partner platform's integration user: the owner's vouchers are of a course of
a different platform.

Adding an app's endpoints (the training marketplace, say): create its objects, owned by
`world.owner`, in `build_world()`, put their secrets in `world.secrets`, and add one `Row` per
operation. Pages that name an object have their own table in test_access_matrix_pages.py.
"""

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.api import api
from prakerja.accounts.services import identity_submit
from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.helpdesk import services as helpdesk_services
from prakerja.helpdesk.models import Channel, Ticket
from prakerja.programs.models import Application
from prakerja.programs.tests.factories import WaveFactory
from prakerja.training.tests.factories import (
    CardFactory,
    CertificateFactory,
    CourseFactory,
    PlatformFactory,
    PurchaseFactory,
    SelectedApplicationFactory,
)

pytestmark = pytest.mark.django_db

ANON, PARTICIPANT, AGENT, SUPERVISOR, PMO = (
    "anonymous",
    Role.PARTICIPANT.value,
    Role.AGENT.value,
    Role.SUPERVISOR.value,
    Role.PMO_ADMIN.value,
)
PLATFORM = "platform"  # another partner platform's integration user (no role)
CALLERS = (ANON, PARTICIPANT, AGENT, SUPERVISOR, PMO, PLATFORM)
CONTACT_CENTER = frozenset({AGENT, SUPERVISOR})


def every(status: int, **exceptions: int) -> dict[str, int]:
    """The same status for every caller but the named ones: `every(403, anonymous=401)`."""
    return {caller: exceptions.get(caller, status) for caller in CALLERS}


def signed_in(status: int, **exceptions: int) -> dict[str, int]:
    """An authenticated endpoint: anonymous callers get 401."""
    return every(status, **{ANON: 401, **exceptions})


@dataclasses.dataclass(frozen=True)
class Row:
    method: str
    path: str  # as the OpenAPI document writes it, with {placeholders}
    expect: dict[str, int]
    # The path's placeholders and the query string, from the world of other people's objects.
    params: Callable[[SimpleNamespace], dict] = lambda world: {}
    # The JSON body (or multipart files), built per caller so creations never collide.
    body: Callable[[SimpleNamespace, str], dict] | None = None
    multipart: bool = False
    # Callers allowed to see the owner's data in the answer.
    sees: frozenset = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def _owner_ticket(world) -> dict:
    return {"reference": world.ticket.reference}


def _wave(world) -> dict:
    return {"number": world.wave.number}


def _voucher(world) -> dict:
    return {"voucher_code": world.purchase.voucher_code}


def _redeemed_voucher(world) -> dict:
    return {"voucher_code": world.redeemed.voucher_code}


def _completed_voucher(world) -> dict:
    return {"voucher_code": world.certificate.purchase.voucher_code}


def _wrong_email(world) -> dict:
    """The public ticket endpoints: the reference is known, the owner's e-mail is not."""
    return {"reference": world.ticket.reference, "email": "someone-else@example.test"}


TABLE: list[Row] = [
    # core
    Row("GET", "/api/v1/me", signed_in(200)),
    Row(
        "GET",
        "/api/v1/audit-log",
        signed_in(403, supervisor=200, pmo_admin=200),
        sees=frozenset(),
    ),
    # switches
    Row("GET", "/api/v1/switches", every(200)),
    Row(
        "PUT",
        "/api/v1/switches/{name}",
        signed_in(403, pmo_admin=200),
        params=lambda world: {"name": "account_linking"},
        body=lambda world, caller: {"windows": [], "override": "on", "message": ""},
    ),
    # accounts: a new account for anyone; everything else acts on the caller's own account
    Row(
        "POST",
        "/api/v1/accounts",
        every(201),
        body=lambda world, caller: {
            "full_name": "Pendaftar Baru",
            "email": f"new-{caller}@example.test",
            "password": "kuat-sekali-2021!",
            "phone": f"0812-5555-{CALLERS.index(caller):04d}",
        },
    ),
    Row("GET", "/api/v1/accounts/me", signed_in(200)),
    Row(
        "POST",
        "/api/v1/accounts/me/phone/verify",
        signed_in(422),
        body=lambda world, caller: {"code": "000000"},
    ),
    # Staff and platform accounts have no mobile number to confirm.
    Row(
        "POST",
        "/api/v1/accounts/me/phone/resend",
        signed_in(409, participant=202),
    ),
    Row(
        "POST",
        "/api/v1/accounts/email/confirm",
        every(422),
        body=lambda world, caller: {"token": world.owner_email_token},
    ),
    Row("POST", "/api/v1/accounts/me/email/resend", signed_in(202)),
    Row("GET", "/api/v1/accounts/me/identity", signed_in(404)),
    Row(
        "PUT",
        "/api/v1/accounts/me/identity",
        signed_in(409),
        body=lambda world, caller: world.owner_identity,
    ),
    Row(
        "POST",
        "/api/v1/accounts/me/identity/id-card",
        signed_in(409),
        body=lambda world, caller: {"file": world.png()},
        multipart=True,
    ),
    # programs
    Row("GET", "/api/v1/announcements", every(200)),
    Row("GET", "/api/v1/waves", every(200)),
    Row("POST", "/api/v1/waves/{number}/join", signed_in(403), params=_wave),
    Row("GET", "/api/v1/me/applications", signed_in(200)),
    Row(
        "GET",
        "/api/v1/waves/{number}/funnel",
        signed_in(403, supervisor=200, pmo_admin=200),
        params=_wave,
    ),
    # The basic skills test: the caller's own attempt (a participant without one starts it).
    Row("GET", "/api/v1/me/skills-test", signed_in(403, participant=200)),
    Row(
        "POST",
        "/api/v1/me/skills-test",
        signed_in(403, participant=409),
        body=lambda world, caller: {"answers": {}},
    ),
    # training: the participant's card and vouchers (the caller has no card; the owner has)
    Row("GET", "/api/v1/me/card", signed_in(403, participant=404)),
    Row("GET", "/api/v1/me/purchases", signed_in(403, participant=200)),
    Row(
        "POST",
        "/api/v1/me/purchases",
        signed_in(403, participant=409),
        body=lambda world, caller: {"course": world.course.pk},
    ),
    Row(
        "POST",
        "/api/v1/me/purchases/{voucher_code}/cancel",
        signed_in(403, participant=404),
        params=_voucher,
    ),
    Row(
        "POST",
        "/api/v1/me/purchases/{voucher_code}/review",
        signed_in(403, participant=404),
        params=_completed_voucher,
        body=lambda world, caller: {"rating": 1, "review": "Buruk"},
    ),
    # training: the public catalog and certificate check (the holder's name masked)
    Row("GET", "/api/v1/courses", every(200)),
    Row(
        "GET",
        "/api/v1/courses/{course_id}",
        every(200),
        params=lambda world: {"course_id": world.course.pk},
    ),
    Row(
        "GET",
        "/api/v1/certificates/{number}",
        every(200),
        params=lambda world: {"number": world.certificate.number},
    ),
    # training: partner platforms act on their own courses and vouchers only. The owner's
    # platform's external id creates the caller's own course (201), never updates the other.
    Row(
        "PUT",
        "/api/v1/partner/courses/{external_id}",
        signed_in(403, platform=201),
        params=lambda world: {"external_id": world.course.external_id},
        body=lambda world, caller: {
            "title": "Kursus Sendiri",
            "provider": "Lembaga Sendiri",
            "price": 100_000,
            "mode": "online",
            "category": "Bahasa",
            "hours": 5,
        },
    ),
    Row(
        "GET",
        "/api/v1/partner/vouchers/{voucher_code}",
        signed_in(403, platform=404),
        params=_voucher,
    ),
    Row(
        "POST",
        "/api/v1/partner/vouchers/{voucher_code}/redeem",
        signed_in(403, platform=404),
        params=_voucher,
    ),
    Row(
        "POST",
        "/api/v1/partner/vouchers/{voucher_code}/completion",
        signed_in(403, platform=404),
        params=_redeemed_voucher,
        body=lambda world, caller: {"completed_at": clock.now().isoformat(), "score": 90},
    ),
    # A platform's statement is its own: the owner's redeemed voucher (of another platform's
    # course, redeemed this month) is on no line the caller sees.
    Row(
        "GET",
        "/api/v1/partner/statements/{month}",
        signed_in(403, platform=200),
        params=lambda world: {"month": clock.local_now().strftime("%Y-%m")},
    ),
    # payouts
    Row("GET", "/api/v1/linking/providers", every(200)),
    Row("GET", "/api/v1/linking", signed_in(200)),
    Row(
        "POST",
        "/api/v1/linking",
        signed_in(403),
        body=lambda world, caller: {"provider": "bca", "account_number": "1234567890"},
    ),
    Row(
        "POST",
        "/api/v1/linking/confirm",
        signed_in(409),
        body=lambda world, caller: {"code": "000000"},
    ),
    Row("GET", "/api/v1/me/incentives", signed_in(200)),
    Row(
        "POST",
        "/api/v1/me/evaluations/{number}",
        signed_in(409),
        params=lambda world: {"number": 1},
        body=lambda world, caller: {"answers": {"employed": "yes"}},
    ),
    Row(
        "GET",
        "/api/v1/reports/budget",
        signed_in(403, pmo_admin=200),
        params=lambda world: {"from": "2026-01-01", "to": "2026-12-31"},
    ),
    Row(
        "POST",
        "/api/v1/payouts/ewallet/callback",
        every(401),
        body=lambda world, caller: {"reference": "PK1A1", "status": "paid"},
    ),
    # helpdesk: the public side (reference + e-mail), then the agents' side
    Row(
        "POST",
        "/api/v1/tickets",
        every(201),
        body=lambda world, caller: {
            "subject": "Pertanyaan",
            "description": "Kapan sertifikat terbit?",
            "name": "Penanya",
            "email": f"asker-{caller}@example.test",
        },
    ),
    Row("GET", "/api/v1/tickets/{reference}", every(404), params=_wrong_email),
    Row(
        "POST",
        "/api/v1/tickets/{reference}/replies",
        every(404),
        params=_owner_ticket,
        body=lambda world, caller: {"email": "someone-else@example.test", "body": "Halo"},
    ),
    Row(
        "GET",
        "/api/v1/agent/tickets",
        signed_in(403, agent=200, supervisor=200),
        params=lambda world: {"queue": "all"},
        sees=CONTACT_CENTER,
    ),
    Row(
        "GET",
        "/api/v1/agent/tickets/{reference}",
        signed_in(403, agent=200, supervisor=200),
        params=_owner_ticket,
        sees=CONTACT_CENTER,
    ),
    Row(
        "PATCH",
        "/api/v1/agent/tickets/{reference}",
        signed_in(403, agent=200, supervisor=200),
        params=_owner_ticket,
        body=lambda world, caller: {"priority": "high"},
        sees=CONTACT_CENTER,
    ),
    Row(
        "POST",
        "/api/v1/agent/tickets/{reference}/messages",
        signed_in(403, agent=201, supervisor=201),
        params=_owner_ticket,
        body=lambda world, caller: {"body": "Catatan", "internal": True},
    ),
    Row(
        "POST",
        "/api/v1/agent/tickets/{reference}/assign",
        # An agent may take only an unassigned ticket; a supervisor assigns anyone.
        signed_in(403, agent=409, supervisor=200),
        params=_owner_ticket,
        body=lambda world, caller: {"assignee": getattr(world.callers[caller], "username", "x")},
        sees=frozenset({SUPERVISOR}),
    ),
    Row("POST", "/api/v1/agent/claim-next", signed_in(403, agent=204, supervisor=204)),
    Row(
        "POST",
        "/api/v1/agent/presence",
        signed_in(403, agent=200, supervisor=200),
        body=lambda world, caller: {"status": "away"},
    ),
    Row("GET", "/api/v1/kb/articles", every(200)),
    # telephony: only the PBX integration's user (permission telephony.add_callevent), no role
    Row(
        "POST",
        "/api/v1/telephony/events",
        signed_in(403),
        body=lambda world, caller: {
            "event": "newCall",
            "call_id": f"call-{caller}",
            "direction": "in",
            "from": "+6281311112222",
            "to": "1500",
            "time": "2026-03-10T03:00:00Z",
        },
    ),
    # mail
    Row("GET", "/api/v1/mail/summary", signed_in(403, supervisor=200, pmo_admin=200)),
    # reports
    Row("GET", "/api/v1/reports/summary", signed_in(403, supervisor=200, pmo_admin=200)),
    Row(
        "GET",
        "/api/v1/reports/staffing",
        signed_in(403, supervisor=200, pmo_admin=200),
        params=lambda world: {"date": clock.local_now().date().isoformat()},
    ),
]


def test_every_api_operation_has_a_row():
    registered = {
        (method.upper(), path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    rows = [row.key for row in TABLE]
    assert len(rows) == len(set(rows)), "a (method, path) has two rows"
    assert registered - set(rows) == set(), "API operations without a row in the access matrix"
    assert set(rows) - registered == set(), "rows for operations the API no longer has"


# The owner's identity: another account submitting the same NIK is refused (409 `nik_taken`).
OWNER_IDENTITY = {
    "nik": "3171011708950001",
    "kk_number": "3171010101200001",
    "full_name": "Pemilik Rahasia",
    "birth_date": "1995-08-17",
    "gender": "M",
    "province": "31",
    "city": "Jakarta Pusat",
    "education": "sma",
    "work_status": "job_seeker",
    "declared_not_student": True,
    "declared_not_official": True,
}


@pytest.fixture
def world():
    return build_world()


def build_world() -> SimpleNamespace:
    """Objects that belong to someone else than any caller, and one caller per role."""
    owner = ParticipantFactory(full_name="Pemilik Rahasia", email="owner-secret@example.test")
    other_agent = user_with_role(Role.AGENT)
    wave = WaveFactory()
    Application.objects.create(participant=owner, wave=wave, joined_at=clock.now())
    identity_submit(user=owner, data={**OWNER_IDENTITY, "birth_date": dt.date(1995, 8, 17)})
    ticket = helpdesk_services.ticket_create(
        channel=Channel.WEB,
        subject="OWNER-SECRET subject",
        description="OWNER-SECRET description",
        requester=owner,
        name=owner.full_name,
        email=owner.email,
    )
    Ticket.objects.filter(pk=ticket.pk).update(assignee=other_agent)
    # The owner's card and vouchers, all of courses of the owner's platform (not the caller's).
    card = CardFactory(application=SelectedApplicationFactory(participant=owner))
    course = CourseFactory()
    purchase = PurchaseFactory(card=card, course=course)
    redeemed = PurchaseFactory(card=card, course__platform=course.platform, redeemed=True)
    certificate = CertificateFactory(
        purchase__card=card, purchase__course__platform=course.platform
    )
    callers = {ANON: None, PARTICIPANT: ParticipantFactory()}
    callers.update({role: user_with_role(role) for role in (AGENT, SUPERVISOR, PMO)})
    callers[PLATFORM] = PlatformFactory().user
    headers = {ANON: {}}
    for role, user in callers.items():
        if user is not None:
            _token, raw = api_token_create(user=user, name="matrix")
            headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return SimpleNamespace(
        owner=owner,
        other_agent=other_agent,
        wave=wave,
        ticket=ticket,
        card=card,
        course=course,
        purchase=purchase,
        redeemed=redeemed,
        certificate=certificate,
        callers=callers,
        headers=headers,
        # Reused elsewhere, the owner's values must not open anything.
        owner_email_token="not-a-token-of-anyone",
        owner_identity=OWNER_IDENTITY,
        png=lambda: SimpleUploadedFile("ktp.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        secrets=[
            "owner-secret@example.test",
            "Pemilik Rahasia",
            "OWNER-SECRET",
            card.number,
            purchase.voucher_code,
            redeemed.voucher_code,
            certificate.purchase.voucher_code,
        ],
    )


def _call(client, row: Row, world, caller: str):
    params = row.params(world)
    path = row.path
    for name in list(params):
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", str(params.pop(name)))
    kwargs = dict(world.headers[caller])
    method = getattr(client, row.method.lower())
    if row.body is None:
        if row.method == "GET":
            return method(path, params, **kwargs)
        return method(path, content_type="application/json", **kwargs)
    body = row.body(world, caller)
    if row.multipart:
        return method(path, body, **kwargs)
    return method(path, json.dumps(body), content_type="application/json", **kwargs)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row.method} {row.path}")
def test_access(client, world, row, caller):
    response = _call(client, row, world, caller)
    assert response.status_code == row.expect[caller], response.content[:300]
    if caller not in row.sees:
        text = response.content.decode(errors="replace")
        leaked = [secret for secret in world.secrets if secret in text]
        assert not leaked, f"{caller} learns the owner's {leaked}"
