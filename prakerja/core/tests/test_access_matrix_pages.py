"""Object-level access on pages: every page URL that names an object (a `<converter>` in its route)
has a row here or a stated reason in `NOT_OWNED`; a new one without either fails.

Callers are logged in with a session (pages do not take tokens) and act on objects that belong to
someone else: the owner's ID-card photo, ticket, attachment and tracking page, vouchers and
certificate, a call and a callback of another agent, a message the mailbox kept. Pages of the
PMO console name waves, announcements, switches and courses: PMO admins only. Where a refusal redirects with a message (the telephony desk), the row
also checks that the other agent's object did not change.
"""

import dataclasses
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from prakerja.accounts.models import Identity
from prakerja.core import clock
from prakerja.helpdesk.models import Attachment, CannedResponse, Ticket
from prakerja.mail.models import InboundMail, Outcome
from prakerja.programs.models import Wave
from prakerja.programs.tests.factories import AnnouncementFactory
from prakerja.telephony.models import Call, Callback
from prakerja.training.models import Course, CourseStatus, Purchase, PurchaseStatus, Review

from .test_access_matrix import AGENT, CALLERS, PMO, SUPERVISOR, build_world, every

pytestmark = pytest.mark.django_db

LOGIN = 302  # anonymous callers are sent to the log-in page


@dataclasses.dataclass(frozen=True)
class PageRow:
    method: str
    route: str  # as urls.py writes it, e.g. "pengaduan/lampiran/<int:pk>/"
    expect: dict[str, int]
    args: Callable[[SimpleNamespace], dict]
    data: Callable[[SimpleNamespace], dict] = lambda world: {}
    # Asserts the other person's object is as it was (for refusals answered with a redirect),
    # for every caller but those in `may_change`.
    unchanged: Callable[[SimpleNamespace], None] | None = None
    may_change: frozenset = frozenset()


def _reference(world) -> dict:
    return {"reference": world.ticket.reference}


def _ticket_still_assigned(world) -> None:
    assert Ticket.objects.get(pk=world.ticket.pk).assignee_id == world.other_agent.pk


def _call_untouched(world) -> None:
    call = Call.objects.get(pk=world.call.pk)
    assert (call.agent_id, call.ticket_id) == (world.other_agent.pk, None)


def _callback_untouched(world) -> None:
    callback = Callback.objects.get(pk=world.callback.pk)
    assert (callback.status, callback.claimed_by_id) == (
        Callback.Status.CLAIMED,
        world.other_agent.pk,
    )


def _purchase_still_paid(world) -> None:
    assert Purchase.objects.get(pk=world.purchase.pk).status == PurchaseStatus.PAID


def _not_reviewed(world) -> None:
    assert not Review.objects.filter(purchase=world.certificate.purchase).exists()


def _selection_not_run(world) -> None:
    assert Wave.objects.get(pk=world.wave.pk).selection_ran_at is None


def _course_still_approved(world) -> None:
    assert Course.objects.get(pk=world.course.pk).status == CourseStatus.APPROVED


def _contact_center_only(status: int) -> dict[str, int]:
    return every(403, anonymous=LOGIN, agent=status, supervisor=status)


def _participants_only(status: int) -> dict[str, int]:
    return every(403, anonymous=LOGIN, participant=status)


def _pmo_only(status: int) -> dict[str, int]:
    return every(403, anonymous=LOGIN, pmo_admin=status)


def _course(world) -> dict:
    return {"course_id": world.course.pk}


def _certificate(world) -> dict:
    return {"number": world.certificate.number}


def _wave(world) -> dict:
    return {"number": world.wave.number}


PAGES: list[PageRow] = [
    # The owner's ID-card photo: the owner and PMO reviewers only (404: no hint it exists).
    PageRow(
        "GET",
        "akun/identitas/<int:pk>/ktp/",
        every(404, anonymous=LOGIN, pmo_admin=200),
        lambda world: {"pk": world.identity.pk},
    ),
    # The requester's pages need the session that submitted or tracked the ticket.
    PageRow("GET", "pengaduan/terkirim/<str:reference>/", every(404), _reference),
    PageRow("GET", "pengaduan/lacak/<str:reference>/", every(404), _reference),
    PageRow(
        "GET",
        "pengaduan/lampiran/<int:pk>/",
        every(404, agent=200, supervisor=200),
        lambda world: {"pk": world.attachment.pk},
    ),
    # The agents' workspace: any agent or supervisor works on any ticket.
    PageRow("GET", "agen/tiket/<str:reference>/", _contact_center_only(200), _reference),
    PageRow(
        "POST",
        "agen/tiket/<str:reference>/balas/",
        _contact_center_only(302),
        _reference,
        data=lambda world: {"body": "Catatan", "internal": "on"},
    ),
    PageRow(
        "POST",
        "agen/tiket/<str:reference>/ubah/",
        _contact_center_only(302),
        _reference,
        data=lambda world: {
            "status": world.ticket.status,
            "category": world.ticket.category.slug,
            "priority": "high",
            "assignee": world.other_agent.username,
        },
    ),
    PageRow(
        "POST",
        "agen/tiket/<str:reference>/ambil/",
        _contact_center_only(302),
        _reference,
        unchanged=_ticket_still_assigned,
    ),
    PageRow("GET", "agen/tiket/<str:reference>/baru/", _contact_center_only(200), _reference),
    PageRow(
        "GET",
        "agen/tiket/<str:reference>/template/<int:pk>/",
        _contact_center_only(200),
        lambda world: {"reference": world.ticket.reference, "pk": world.canned.pk},
    ),
    # The phone desk: another agent's call and callback stay theirs.
    PageRow(
        "POST",
        "agent/phone/calls/<int:pk>/wrap-up/",
        _contact_center_only(404),
        lambda world: {"pk": world.call.pk},
        unchanged=_call_untouched,
    ),
    PageRow(
        "POST",
        "agent/phone/calls/<int:pk>/close-pop/",
        _contact_center_only(404),
        lambda world: {"pk": world.call.pk},
        unchanged=_call_untouched,
    ),
    # The callback list is the contact center's, shared: any agent sees any callback.
    PageRow(
        "GET",
        "agent/phone/callbacks/<int:pk>/",
        _contact_center_only(200),
        lambda world: {"pk": world.callback.pk},
    ),
    PageRow(
        "POST",
        "agent/phone/callbacks/<int:pk>/claim/",
        _contact_center_only(302),
        lambda world: {"pk": world.callback.pk},
        unchanged=_callback_untouched,
    ),
    PageRow(
        "POST",
        "agent/phone/callbacks/<int:pk>/complete/",
        _contact_center_only(302),
        lambda world: {"pk": world.callback.pk},
        data=lambda world: {f"cb{world.callback.pk}-result": "reached"},
        unchanged=_callback_untouched,
        may_change=frozenset({SUPERVISOR}),  # a supervisor may close any agent's callback
    ),
    # Training: the catalog and the certificate check are public (the holder's name masked); a
    # participant's vouchers and certificate PDF are the holder's alone.
    PageRow("GET", "pelatihan/<int:course_id>/", every(200), _course),
    PageRow("GET", "pelatihan/<int:course_id>/beli/", _participants_only(200), _course),
    PageRow(
        "POST",
        "pelatihan-saya/<str:voucher_code>/batal/",
        _participants_only(404),
        lambda world: {"voucher_code": world.purchase.voucher_code},
        unchanged=_purchase_still_paid,
    ),
    PageRow(
        "POST",
        "pelatihan-saya/<str:voucher_code>/ulasan/",
        _participants_only(404),
        lambda world: {"voucher_code": world.certificate.purchase.voucher_code},
        data=lambda world: {"rating": "1", "review": "Buruk"},
        unchanged=_not_reviewed,
    ),
    PageRow("GET", "sertifikat/<str:number>/", every(200), _certificate),
    PageRow("GET", "sertifikat/<str:number>/unduh/", every(404, anonymous=LOGIN), _certificate),
    # A platform's statement: its own only (the owner's voucher, of another platform's course
    # and redeemed this month, is not on the caller platform's page).
    PageRow(
        "GET",
        "mitra/penyelesaian/<str:month>/",
        every(403, anonymous=LOGIN, platform=200),
        lambda world: {"month": clock.local_now().strftime("%Y-%m")},
    ),
    # The mailbox's kept messages: supervisors read them.
    PageRow(
        "GET",
        "agen/surel/<int:pk>/asli/",
        every(403, anonymous=LOGIN, supervisor=200),
        lambda world: {"pk": world.kept_mail.pk},
    ),
    # The PMO console.
    PageRow("GET", "pmo/gelombang/<int:number>/", _pmo_only(200), _wave),
    PageRow(
        "POST",
        "pmo/gelombang/<int:number>/seleksi/",
        _pmo_only(200),  # the confirmation page: nothing runs without `confirm`
        _wave,
        unchanged=_selection_not_run,
    ),
    PageRow(
        "GET",
        "pmo/pengumuman/<int:pk>/",
        _pmo_only(200),
        lambda world: {"pk": world.announcement.pk},
    ),
    PageRow(
        "GET", "pmo/sakelar/<str:name>/", _pmo_only(200), lambda world: {"name": "account_linking"}
    ),
    PageRow(
        "POST",
        "pmo/pelatihan/kursus/<int:course_id>/",
        _pmo_only(302),
        _course,
        data=lambda world: {"decision": "reject"},
        unchanged=_course_still_approved,
        may_change=frozenset({PMO}),  # the PMO moderates every platform's courses
    ),
]

# Routes whose argument is no one's object, or is itself the credential.
NOT_OWNED = {
    "akun/konfirmasi-email/<str:token>/": "the signed token is the credential",
    "akun/sandi-baru/<uidb64>/<token>/": "Django's password-reset token is the credential",
    "pengumuman/<int:pk>/": "announcements are public",
    "bantuan/<slug:slug>/": "knowledge-base articles are public",
    "gelombang/<int:number>/ikut/": "waves are public; joining acts on the caller's own account",
    "survei/<str:token>/": "the signed survey token is the credential",
}


def page_routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            route = prefix + str(pattern.pattern)
            if not route.startswith(("admin/", "api/")):
                yield from page_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_page_that_names_an_object_has_a_row():
    with_arguments = {route for route in page_routes(get_resolver().url_patterns) if "<" in route}
    rows = {row.route for row in PAGES}
    assert len(rows) == len(PAGES), "a route has two rows"
    assert with_arguments - rows - set(NOT_OWNED) == set(), "pages without a row"
    assert (rows | set(NOT_OWNED)) - with_arguments == set(), "rows for pages that are gone"


def build_page_world() -> SimpleNamespace:
    """The API matrix's world plus the objects only pages reach (the accessibility test visits
    the same pages with it)."""
    world = build_world()
    world.identity = Identity.objects.get(user=world.owner)
    world.identity.id_card.save("ktp.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    world.attachment = Attachment.objects.create(
        ticket=world.ticket,
        file=ContentFile(b"OWNER-SECRET attachment", name="bukti.txt"),
        original_name="bukti.txt",
        content_type="text/plain",
        size=23,
        created_at=clock.now(),
    )
    world.canned = CannedResponse.objects.create(title="Salam", body="Halo {name}")
    world.kept_mail = InboundMail.objects.create(
        from_address="owner-secret@example.test",
        subject="OWNER-SECRET mail",
        received_at=clock.now(),
        size=26,
        outcome=Outcome.UNREADABLE,
        raw=ContentFile(b"Subject: OWNER-SECRET mail", name="kept.eml"),
    )
    world.announcement = AnnouncementFactory()
    now = clock.now()
    world.call = Call.objects.create(
        call_id="matrix-call",
        agent=world.other_agent,
        state="ended",
        caller_number="+6281311112222",
        ringing_at=now,
        answered_at=now,
        ended_at=now,
    )
    world.callback = Callback.objects.create(
        number="+6281311113333",
        status=Callback.Status.CLAIMED,
        first_missed_at=now,
        last_missed_at=now,
        claimed_by=world.other_agent,
        claimed_at=now,
    )
    return world


@pytest.fixture
def world():
    return build_page_world()


def page_url(row: PageRow, world) -> str:
    args = row.args(world)
    url = "/" + row.route
    for name, value in args.items():
        url = re.sub(r"<(?:\w+:)?" + name + ">", str(value), url)
    return url


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", PAGES, ids=lambda row: f"{row.method} {row.route}")
def test_page_access(client, world, row, caller):
    user = world.callers[caller]
    if user is not None:
        client.force_login(user)
    url = page_url(row, world)
    response = client.get(url) if row.method == "GET" else client.post(url, row.data(world))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == row.expect[caller], (url, body[:300])
    if caller not in (AGENT, SUPERVISOR) or row.route.startswith("akun/"):
        text = body.decode(errors="replace")
        # A voucher code the caller typed into the URL is not learned from the page.
        secrets = [s for s in world.secrets if s not in url]
        assert not [s for s in secrets if s in text], f"{caller} learns the owner's data"
    if row.unchanged is not None and caller not in row.may_change:
        row.unchanged(world)
