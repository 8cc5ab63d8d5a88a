from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prakerja.core.models import AuditLog
from prakerja.helpdesk import services
from prakerja.helpdesk.models import (
    AgentPresence,
    CannedResponse,
    Channel,
    PresenceStatus,
    RosterEntry,
    Ticket,
    TicketStatus,
)

from .factories import agent, participant, supervisor

pytestmark = pytest.mark.django_db


def new_ticket(**kw):
    data = {
        "channel": Channel.WEB,
        "subject": "Sertifikat belum muncul",
        "description": "NIK saya 3171234567890123, sertifikat belum ada.",
        "name": "Rina",
        "email": "rina@example.test",
        "phone": "081298765432",
    }
    data.update(kw)
    return services.ticket_create(**data)


def test_workspace_needs_the_role(client):
    assert client.get(reverse("helpdesk:workspace")).status_code == 302  # to log-in
    client.force_login(participant())
    assert client.get(reverse("helpdesk:workspace")).status_code == 403
    ticket = new_ticket()
    assert client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference])).status_code == 403


def test_queues_with_a_query_budget(client, django_assert_num_queries):
    staff = agent()
    for i in range(30):
        new_ticket(subject=f"Masalah {i}")
    client.force_login(staff)
    # session, user, roles, 25 rows in one query, presence, 3 bounded counts, layout blocks;
    # the channels' lists: chats (count, pinned), calls (count, pinned), callbacks (count)
    with django_assert_num_queries(16):
        response = client.get(reverse("helpdesk:workspace"), {"queue": "unassigned"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="inbox-link ticket-link"') == 25
    assert "after=" in html  # a next page
    first_page = set(
        Ticket.objects.order_by("created_at", "id").values_list("reference", flat=True)[:25]
    )
    assert all(ref in html for ref in first_page)


def test_keyset_pages_cover_everything_once():
    from prakerja.helpdesk.selectors import ticket_queue

    staff = agent()
    made = {new_ticket(subject=f"T{i}").reference for i in range(12)}
    for queue in ("unassigned", "open"):
        seen, cursor = [], ""
        while True:
            page, cursor = ticket_queue(user=staff, queue=queue, after=cursor or "", limit=5)
            seen += [t.reference for t in page]
            if not cursor:
                break
        assert sorted(seen) == sorted(made)


def test_search_by_reference_email_phone_text_and_nik(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    staff = agent()
    user = participant()
    with django_capture_on_commit_callbacks(execute=True):  # the intake task (text search)
        ticket = new_ticket(requester=user)
    client.force_login(staff)
    url = reverse("helpdesk:workspace")
    by_ref = client.get(url, {"q": ticket.reference.lower()})
    assert by_ref.status_code == 302
    for q in ("rina@example.test", "0812-9876-5432", "sertifikat", "rina"):
        assert ticket.reference in client.get(url, {"q": q}).content.decode(), q
    from prakerja.helpdesk.selectors import search

    monkeypatch.setattr(search, "_users_for_nik", lambda nik: [user.pk])
    assert ticket.reference in client.get(url, {"q": "3171234567890123"}).content.decode()


def test_ticket_page_masks_nik_and_shows_thread(client):
    ticket = new_ticket()
    client.force_login(agent())
    html = client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference])).content.decode()
    assert "3171234567890123" not in html
    assert "317123******0123" in html
    assert "Rina" in html


def test_agent_replies_and_changes_fields(client):
    staff = agent()
    ticket = new_ticket()
    client.force_login(staff)
    page = reverse("helpdesk:agent_ticket", args=[ticket.reference])
    last = ticket.messages.last().pk
    response = client.post(
        reverse("helpdesk:agent_reply", args=[ticket.reference]),
        {"body": "Kami cek dulu.", "seen": last, "client_msg_id": "abc"},
    )
    assert response.status_code == 302
    assert response.url == page
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {
            "status": "pending",
            "category": "certificate",
            "priority": "high",
            "assignee": staff.username,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert ticket.category.slug == "certificate"
    assert ticket.assignee == staff
    actions = set(
        AuditLog.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True)
    )
    assert {"ticket.assign", "ticket.status", "ticket.update"} <= actions


def test_bad_update_input_is_a_clear_error(client):
    ticket = new_ticket()
    client.force_login(agent())
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "bogus", "category": "nope", "priority": "normal", "assignee": ""},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "new", "category": "other", "priority": "normal", "assignee": "ghost"},
    )
    assert response.status_code == 422


def test_agent_cannot_assign_to_someone_else_but_supervisor_can(client):
    ticket = new_ticket()
    other = agent()
    client.force_login(agent())
    data = {"status": "new", "category": "other", "priority": "normal", "assignee": other.username}
    assert (
        client.post(reverse("helpdesk:agent_update", args=[ticket.reference]), data).status_code
        == 403
    )
    client.force_login(supervisor())
    assert (
        client.post(reverse("helpdesk:agent_update", args=[ticket.reference]), data).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.assignee == other


def test_agent_cannot_take_another_agents_ticket_on_the_web_page(client):
    """The page follows the same rule as the API: refused with a message, nothing changed (the
    priority posted with it neither)."""
    ticket = new_ticket()
    owner, other = agent(), agent()
    services.ticket_assign(ticket=ticket, agent=owner, actor=supervisor())
    client.force_login(other)
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "open", "category": "other", "priority": "urgent", "assignee": other.username},
    )
    assert response.status_code == 409
    assert "Tiket ini sudah diambil agen lain." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == owner
    assert (ticket.status, ticket.priority) == (TicketStatus.NEW, "normal")
    assert not AuditLog.objects.filter(object_id=str(ticket.pk), actor=other).exists()
    # nor may they put it back in the queue
    response = client.post(
        reverse("helpdesk:agent_update", args=[ticket.reference]),
        {"status": "new", "category": "other", "priority": "normal", "assignee": ""},
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee == owner


def test_agent_takes_an_unassigned_ticket_on_the_web_page_and_a_supervisor_reassigns(client):
    ticket = new_ticket()
    staff, other = agent(), agent()
    client.force_login(staff)
    data = {"status": "new", "category": "other", "priority": "normal"}
    url = reverse("helpdesk:agent_update", args=[ticket.reference])
    assert client.post(url, {**data, "assignee": staff.username}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == staff
    client.force_login(supervisor())
    assert client.post(url, {**data, "assignee": other.username}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == other
    assert client.post(url, {**data, "assignee": ""}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_collision_guard_warns_before_a_second_reply(client):
    ticket = new_ticket()
    first, second = agent(full_name="Agen Satu"), agent()
    seen = ticket.messages.last().pk
    services.ticket_reply(ticket=ticket, author=first, body="Sudah saya jawab.")
    client.force_login(second)
    url = reverse("helpdesk:agent_reply", args=[ticket.reference])
    warned = client.post(url, {"body": "Jawaban saya", "seen": seen})
    assert warned.status_code == 409
    assert "Agen Satu" in warned.content.decode()
    assert ticket.messages.filter(author=second).count() == 0
    poll = client.get(reverse("helpdesk:agent_updates", args=[ticket.reference]), {"since": seen})
    assert "1" in poll.content.decode()
    confirmed = client.post(url, {"body": "Jawaban saya", "seen": seen, "confirm": "on"})
    assert confirmed.status_code == 302
    assert ticket.messages.filter(author=second).count() == 1


def test_canned_response_fills_placeholders(client):
    ticket = new_ticket()
    staff = agent(full_name="Dewi")
    canned = CannedResponse.objects.create(
        title="t", body="Halo {name}, {reference} oleh {agent} {x}"
    )
    client.force_login(staff)
    body = client.get(reverse("helpdesk:agent_canned", args=[ticket.reference, canned.pk])).content
    assert body.decode() == f"Halo Rina, {ticket.reference} oleh Dewi {{x}}"


def test_presence_and_heartbeat(client):
    staff = agent()
    client.force_login(staff)
    client.post(reverse("helpdesk:presence"), {"status": "online"})
    assert AgentPresence.objects.get(agent=staff).status == PresenceStatus.ONLINE
    assert client.post(reverse("helpdesk:heartbeat")).json() == {"status": "online"}
    assert client.post(reverse("helpdesk:presence"), {"status": "dancing"}).status_code == 302
    assert AgentPresence.objects.get(agent=staff).status == PresenceStatus.ONLINE


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/agen/?queue=mine", "/agen/?queue=mine"),
        ("https://evil.example/phish", None),
        ("//evil.example/phish", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("helpdesk:supervisor", None),
        ("", None),
    ],
)
def test_presence_form_returns_only_to_a_page_of_this_site(client, next_url, expected):
    client.force_login(agent())
    response = client.post(reverse("helpdesk:presence"), {"status": "online", "next": next_url})
    assert response.status_code == 302
    assert response.url == (expected or reverse("helpdesk:workspace"))


def test_claim_buttons(client):
    ticket = new_ticket()
    staff = agent()
    client.force_login(staff)
    assert client.post(reverse("helpdesk:claim_next")).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == staff


def test_supervisor_page_and_roster_import(client, open_hours):
    boss = supervisor()
    a1 = agent(username="agen1")
    agent(username="agen2")
    client.force_login(a1)
    assert client.get(reverse("helpdesk:supervisor")).status_code == 403
    client.force_login(boss)
    csv = "date,shift,username\n2026-03-10,pagi,agen1\n2026-03-10,siang,agen2\n"
    upload = SimpleUploadedFile("roster.csv", csv.encode())
    assert client.post(reverse("helpdesk:supervisor"), {"file": upload}).status_code == 302
    assert RosterEntry.objects.count() == 2
    html = client.get(reverse("helpdesk:supervisor")).content.decode()
    assert "agen1" in html
    assert "agen2" not in html.split("<table>")[1].split("</table>")[0]  # Siang is not on now
    bad = "2026-03-10,pagi,agen1\n2026-13-01,pagi,agen2\n2026-03-11,malam,agen2\n2026-03-11,pagi,nobody\n"
    response = client.post(
        reverse("helpdesk:supervisor"), {"file": SimpleUploadedFile("r.csv", bad.encode())}
    )
    assert response.status_code == 422
    text = response.content.decode()
    for line in ("2", "3", "4"):
        assert f" {line}:" in text or f"Line {line}" in text or f"Baris {line}" in text
    assert RosterEntry.objects.count() == 2  # nothing imported


@pytest.mark.parametrize("recent", [2_000, 1])  # PostgreSQL: from the newest rows / the index
def test_text_search_uses_the_index_over_every_ticket_by_word_prefix(monkeypatch, recent):
    from prakerja.helpdesk import selectors
    from prakerja.helpdesk.selectors import search

    monkeypatch.setattr(search, "TEXT_SEARCH_PG_RECENT", recent)
    staff = agent()
    old = new_ticket(subject="Kata langka lama", email="lama@example.test")
    for n in range(3):
        new_ticket(subject=f"Baru {n}")
    newer = new_ticket(subject="Sertifikat langka", name="Budi Santoso")
    assert selectors.ticket_search(user=staff, query="langka") == [newer, old]  # newest first
    assert selectors.ticket_search(user=staff, query="LANG") == [newer, old]  # word prefix
    assert selectors.ticket_search(user=staff, query="langka lama") == [old]  # every word
    assert selectors.ticket_search(user=staff, query="budi sant") == [newer]  # requester's name
    assert selectors.ticket_search(user=staff, query="angka") == []  # words, not substrings
    # Syntax of the index's query language is taken literally, never an error.
    for hostile in ('"', "lama*", "a & (b", "NEAR(lama langka)", "'lama'", "-", "*"):
        selectors.ticket_search(user=staff, query=hostile)
    assert selectors.ticket_search(user=staff, query="lama:*") == [old]


def test_a_prefix_finds_every_word_it_starts_newest_first():
    from prakerja.helpdesk import selectors

    staff = agent()
    base = new_ticket(subject="Sertifikat belum ada")
    longer = new_ticket(subject="Sertifikatnya hilang")
    other = new_ticket(subject="Serta keluhan lain")
    new_ticket(subject="Sesi pelatihan")  # "se", not "ser"
    accented = new_ticket(subject="Café pelatihan", name="Ñoño Sertu")
    search = partial(selectors.ticket_search, user=staff)
    assert search(query="sertifikat") == [longer, base]
    assert search(query="serti") == [longer, base]
    assert search(query="ser") == [accented, other, longer, base]  # the name's "Sertu" too
    assert search(query="ser hilang") == [longer]
    assert search(query="sertifikatnyaa") == []
    assert search(query="sertifikat zzz") == []
    assert search(query="café") == [accented]
    assert search(query="ñoño") == [accented]


def test_text_search_follows_changes_to_the_indexed_fields():
    from prakerja.helpdesk import selectors
    from prakerja.helpdesk.models import Ticket

    staff = agent()
    ticket = new_ticket(subject="Akun terkunci")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Pencairan insentif")
    assert selectors.ticket_search(user=staff, query="terkunci") == []
    assert selectors.ticket_search(user=staff, query="insentif") == [ticket]
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert selectors.ticket_search(user=staff, query="insentif") == []


def test_text_search_finds_a_new_ticket_before_its_intake_task_runs():
    """The full-text index follows every write of the ticket table in the same transaction;
    the index and the table stay consistent."""
    from django.db import connection

    from prakerja.helpdesk import selectors
    from prakerja.helpdesk.models import Ticket

    staff = agent()
    renamed = new_ticket(subject="Akun terkunci")  # intake tasks not run
    gone = new_ticket(subject="Insentif gagal")
    assert selectors.ticket_search(user=staff, query="terkunci") == [renamed]
    Ticket.objects.filter(pk=renamed.pk).update(subject="Pencairan insentif")
    Ticket.objects.filter(pk=gone.pk).delete()
    assert selectors.ticket_search(user=staff, query="terkunci") == []
    assert selectors.ticket_search(user=staff, query="insentif") == [renamed]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises when index and table disagree
            cursor.execute(
                "INSERT INTO helpdesk_ticket_fts(helpdesk_ticket_fts, rank) "
                "VALUES ('integrity-check', 1)"
            )
        tables = connection.introspection.table_names()
        assert "helpdesk_ticket_fts_pending" not in tables  # migration 0008 dropped them
        assert "helpdesk_ticket_fts_terms" not in tables


def test_the_unassigned_queue_holds_unassigned_active_tickets_oldest_first():
    from prakerja.helpdesk import selectors
    from prakerja.helpdesk.models import Ticket, TicketStatus

    older, newer, taken, done = new_ticket(), new_ticket(), new_ticket(), new_ticket()
    Ticket.objects.filter(pk=taken.pk).update(assignee=agent())
    Ticket.objects.filter(pk=done.pk).update(status=TicketStatus.CLOSED)
    queue, _cursor = selectors.ticket_queue(user=agent(), queue="unassigned")
    assert queue == [older, newer]
    assert selectors.queue_counts(user=agent())["unassigned"] == 2


def test_requester_panel_shows_program_status_masked(client, monkeypatch):
    from prakerja.helpdesk.selectors import requesters

    user = participant()
    ticket = new_ticket(requester=user, description="Halo")
    new_ticket(requester=user, subject="Laporan lama lewat telepon", channel=Channel.PHONE)
    monkeypatch.setattr(
        requesters,
        "participant_summary_for_agent",
        lambda *, user: {
            "nik_masked": "3171234567890123",  # even if a full NIK slipped through
            "identity_status": "verified",
            "wave": {"number": 12, "title": "Gelombang 12"},
            "selection_result": "selected",
            "linked_account": {"provider": "DANA", "number_masked": "0812****321"},
            "phone_verified": True,
        },
    )
    client.force_login(agent())
    html = client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference])).content.decode()
    assert "317123******0123" in html
    assert "3171234567890123" not in html
    assert "Gelombang 12" in html
    assert "DANA 0812****321" in html
    assert "Laporan lama lewat telepon" in html  # earlier report on another channel


def test_search_by_nik_finds_the_participants_tickets(client):
    import datetime as dt

    from prakerja.accounts.models import Identity
    from prakerja.core import clock

    user = participant()
    Identity.objects.create(
        user=user,
        nik="3171011708950001",
        kk_number="3171010101200001",
        kk_slot=1,
        full_name="BUDI",
        birth_date=dt.date(1995, 8, 17),
        gender="M",
        province="31",
        city="Jakarta",
        education="sma",
        work_status="unemployed",
        submitted_at=clock.now(),
    )
    ticket = new_ticket(requester=user, subject="Dicari lewat NIK")
    client.force_login(agent())
    html = client.get(reverse("helpdesk:workspace"), {"q": "3171011708950001"}).content.decode()
    assert ticket.reference in html
    assert 'value="317101******0001"' in html  # the echoed query is masked on screen


SPACED = "3171 2345 6789 0123"
DASHED = "3171-2345-6789-0123"
DOTTED = "3171.2345.6789.0123"


def test_every_nik_form_is_masked_wherever_agents_and_the_admin_read_free_text(client):
    """Subject, description and requester name, with the NIK spaced, dashed or dotted."""
    from prakerja.core.tests.factories import UserFactory

    ticket = new_ticket(
        subject=f"NIK {SPACED} ditolak",
        description=f"NIK saya {DASHED}, tolong cek.",
        name=f"Rina {DOTTED}",
    )
    client.force_login(agent())
    pages = [
        client.get(reverse("helpdesk:workspace"), {"queue": "unassigned"}).content.decode(),
        client.get(reverse("helpdesk:agent_ticket", args=[ticket.reference])).content.decode(),
        client.get("/api/v1/agent/tickets", {"queue": "unassigned"}).content.decode(),
        client.get(f"/api/v1/agent/tickets/{ticket.reference}").content.decode(),
    ]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    admin_page = client.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    assert admin_page.status_code == 200
    pages.append(admin_page.content.decode())
    for page in pages:
        assert "6789" not in page
    assert "3171 23** **** 0123" in pages[0]
    assert "Rina 3171.23**.****.0123" in pages[1]
    assert "3171-23**-****-0123" in pages[3]
    assert "3171 23** **** 0123" in pages[4]


def test_logs_mask_every_nik_form(caplog):
    import logging

    from prakerja.core.logging import JsonFormatter, MaskNikFilter

    record = logging.makeLogRecord({"msg": "lookup %s", "args": (SPACED,), "levelname": "INFO"})
    MaskNikFilter().filter(record)
    assert "6789" not in JsonFormatter().format(record)
