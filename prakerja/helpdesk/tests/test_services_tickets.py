import datetime as dt

import pytest
import time_machine
from django.core import mail

from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.models import AuditLog
from prakerja.helpdesk import services
from prakerja.helpdesk.models import Channel, Message, Priority, Ticket, TicketStatus
from prakerja.helpdesk.references import REFERENCE_ALPHABET, normalize_reference

from .factories import agent, participant, supervisor

pytestmark = pytest.mark.django_db


def web_ticket(**kwargs):
    data = {
        "channel": Channel.WEB,
        "subject": "Tidak bisa login",
        "description": "Saya lupa kata sandi.",
        "category_slug": "account",
        "name": "Siti",
        "email": "siti@example.test",
        "phone": "0812-3456-7890",
    }
    data.update(kwargs)
    return services.ticket_create(**data)


def test_create_sets_reference_sla_first_message_and_acknowledges(
    open_hours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = web_ticket()
    assert len(ticket.reference) == 9
    assert ticket.reference[4] == "-"
    assert set(ticket.reference.replace("-", "")) <= set(REFERENCE_ALPHABET)
    assert ticket.status == TicketStatus.NEW
    assert ticket.requester_phone == "+6281234567890"
    assert ticket.category.slug == "account"
    # normal priority: 4 business hours from 10:00
    assert ticket.first_response_due_at == clock.local_datetime(2026, 3, 10, 14, 0)
    assert ticket.messages.get().body == "Saya lupa kata sandi."
    assert AuditLog.objects.filter(action="ticket.create", object_id=str(ticket.pk)).exists()
    assert len(mail.outbox) == 1
    assert ticket.reference in mail.outbox[0].subject
    assert ticket.reference in mail.outbox[0].body


def test_references_are_random_not_sequential(open_hours):
    refs = [web_ticket().reference for _ in range(20)]
    assert len(set(refs)) == 20
    # In creation order by chance: 1 in 20! (about 4e-19); a counter would always be sorted.
    assert refs != sorted(refs)
    alphabet = set(REFERENCE_ALPHABET)
    assert all(len(r) == 9 and r[4] == "-" and set(r.replace("-", "")) <= alphabet for r in refs)


def test_reference_collision_is_retried(monkeypatch, open_hours):
    first = web_ticket()
    produced = iter([first.reference, first.reference, "AAAA-CCCC"])
    monkeypatch.setattr(services.intake, "generate_reference", lambda: next(produced))
    second = web_ticket()
    assert second.reference == "AAAA-CCCC"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
def test_reference_collision_in_its_own_transaction_retries_the_whole_transaction(
    monkeypatch, open_hours
):
    from prakerja.core.models import AuditLog

    first = web_ticket()
    produced = iter([first.reference, "AAAA-CCCC"])
    monkeypatch.setattr(services.intake, "generate_reference", lambda: next(produced))
    second = web_ticket()
    assert second.reference == "AAAA-CCCC"
    # Nothing of the failed attempt was kept: one message and one creation entry per ticket.
    assert Message.objects.filter(ticket=second).count() == 1
    assert AuditLog.objects.filter(action="ticket.create").count() == 2


def test_normalize_reference_forgives_case_and_spacing():
    assert normalize_reference(" ac3d  e4f7 ") == "AC3D-E4F7"
    assert normalize_reference("ac3d-e4f7") == "AC3D-E4F7"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"category_slug": "nope"}, "category"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"name": ""}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"email": "a" * 250 + "@example.test"}, "email"),  # valid, but longer than the column
        ({"phone": "12"}, "phone"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_create_rejects_bad_input_with_field_errors(override, field):
    with pytest.raises(ValidationFailed) as exc:
        web_ticket(**override)
    assert field in exc.value.errors
    assert not Ticket.objects.exists()


def test_participant_details_fill_the_requester():
    user = participant(full_name="Budi Santoso", email="budi@example.test")
    ticket = web_ticket(requester=user, name="", email="", phone="")
    assert ticket.requester == user
    assert ticket.requester_name == "Budi Santoso"
    assert ticket.requester_email == "budi@example.test"


def test_lifecycle_first_response_pending_reopen_resolve_close(
    open_hours, django_capture_on_commit_callbacks
):
    staff = agent()
    ticket = web_ticket()
    mail.outbox.clear()
    open_hours.shift(dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=staff, body="Silakan reset kata sandi.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.first_response_at == clock.now()
    assert len(mail.outbox) == 1  # reply e-mail

    services.ticket_set_status(ticket=ticket, status=TicketStatus.PENDING, actor=staff)
    services.ticket_requester_reply(ticket=ticket, body="Sudah saya coba, masih gagal.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # the requester answered

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=ticket, actor=staff)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None
    # The survey e-mail (issue 7) may follow the resolution e-mail.
    assert any("resolved" in m.subject or "selesai" in m.subject for m in mail.outbox[-2:])

    open_hours.shift(dt.timedelta(days=6))
    services.ticket_requester_reply(ticket=ticket, body="Masih belum bisa.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None
    assert AuditLog.objects.filter(action="ticket.reopen", object_id=str(ticket.pk)).exists()

    services.ticket_resolve(ticket=ticket, actor=staff)
    open_hours.shift(dt.timedelta(days=8))
    with pytest.raises(Conflict) as exc:
        services.ticket_requester_reply(ticket=ticket, body="Halo?")
    assert exc.value.code == "ticket_closed"
    assert services.tickets_close_resolved() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_at is not None
    with pytest.raises(Conflict):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, actor=staff)


def test_internal_note_does_not_count_as_response_or_email(django_capture_on_commit_callbacks):
    ticket = web_ticket()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=agent(), body="Cek di sistem", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == TicketStatus.NEW
    assert mail.outbox == []


def test_replies_are_idempotent_on_client_msg_id():
    ticket = web_ticket()
    staff = agent()
    first = services.ticket_reply(ticket=ticket, author=staff, body="a", client_msg_id="c-1")
    again = services.ticket_reply(ticket=ticket, author=staff, body="a", client_msg_id="c-1")
    assert first.pk == again.pk
    r1 = services.ticket_requester_reply(ticket=ticket, body="b", client_msg_id="r-1")
    r2 = services.ticket_requester_reply(ticket=ticket, body="b", client_msg_id="r-1")
    assert r1.pk == r2.pk
    assert Message.objects.filter(ticket=ticket).count() == 3


def test_empty_reply_is_refused():
    ticket = web_ticket()
    with pytest.raises(ValidationFailed):
        services.ticket_reply(ticket=ticket, author=agent(), body="   ")
    with pytest.raises(ValidationFailed):
        services.ticket_requester_reply(ticket=ticket, body="")


def test_assign_and_field_changes_are_audited():
    ticket = web_ticket()
    boss, staff = supervisor(), agent()
    services.ticket_assign(ticket=ticket, agent=staff, actor=boss)
    services.ticket_update_fields(
        ticket=ticket, actor=boss, category_slug="certificate", priority=Priority.URGENT
    )
    ticket.refresh_from_db()
    assert ticket.assignee == staff
    assert ticket.category.slug == "certificate"
    entries = AuditLog.objects.filter(object_id=str(ticket.pk))
    assert entries.filter(action="ticket.assign", after__assignee=staff.username).exists()
    update = entries.get(action="ticket.update")
    assert update.before == {"category": "account", "priority": "normal"}
    assert update.after == {"category": "certificate", "priority": "urgent"}


def test_update_holds_the_assignment_rule():
    ticket = web_ticket()
    boss, owner, other = supervisor(), agent(), agent()
    services.ticket_update(ticket=ticket, actor=owner, assignee=owner.username)  # takes it
    ticket.refresh_from_db()
    assert ticket.assignee == owner
    with pytest.raises(Conflict) as taken:
        services.ticket_update(ticket=ticket, actor=other, assignee=other.username)
    assert taken.value.code == "already_assigned"
    for assignee in (boss.username, ""):
        with pytest.raises(Forbidden):
            services.ticket_update(ticket=ticket, actor=other, assignee=assignee)
    with pytest.raises(ValidationFailed) as unknown:
        services.ticket_update(ticket=ticket, actor=boss, assignee="ghost")
    assert "assignee" in unknown.value.errors
    services.ticket_update(ticket=ticket, actor=boss, assignee=other.username)
    ticket.refresh_from_db()
    assert ticket.assignee == other


def test_update_is_one_transaction():
    """A refused part (here the status) undoes the parts before it."""
    ticket = web_ticket()
    staff = agent()
    services.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)
    with pytest.raises(Conflict):
        services.ticket_update(
            ticket=ticket,
            actor=staff,
            priority=Priority.URGENT,
            assignee=staff.username,
            status=TicketStatus.OPEN,
        )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == (
        TicketStatus.CLOSED,
        Priority.NORMAL,
        None,
    )


def test_assign_refuses_a_non_agent():
    with pytest.raises(ValidationFailed):
        services.ticket_assign(ticket=web_ticket(), agent=participant(), actor=supervisor())


def test_resolve_calls_the_resolved_hook_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    from prakerja.helpdesk import hooks

    calls = []
    monkeypatch.setattr(
        hooks.ticket_resolved, "_functions", [lambda *, ticket: calls.append(ticket.pk)]
    )
    ticket = web_ticket()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.ticket_resolve(ticket=ticket, actor=agent())
    assert calls == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert calls == [ticket.pk]


def test_sla_due_across_the_close_and_overnight():
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 19, 30), tick=False):
        ticket = web_ticket(priority=Priority.HIGH)  # 1 h first response, 8 h resolution
    assert ticket.first_response_due_at == clock.local_datetime(2026, 3, 11, 8, 30)
    assert ticket.resolution_due_at == clock.local_datetime(2026, 3, 11, 15, 30)
    with time_machine.travel(clock.local_datetime(2026, 3, 10, 23, 0), tick=False):
        night = web_ticket(priority=Priority.URGENT)  # 30 min
    assert night.first_response_due_at == clock.local_datetime(2026, 3, 11, 8, 30)


def _png(name="bukti.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_create_stores_the_attachment_with_the_ticket():
    ticket = web_ticket(attachment=_png())
    stored = ticket.attachments.get()
    assert (stored.original_name, stored.content_type) == ("bukti.png", "image/png")


def test_create_with_a_bad_attachment_writes_nothing():
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        web_ticket(attachment=fake)
    assert "attachment" in refused.value.errors
    assert not Ticket.objects.exists()


def test_create_rolls_the_ticket_back_when_the_attachment_cannot_be_stored(monkeypatch):
    from prakerja.helpdesk.models import Attachment

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Attachment.objects, "create", broken)
    with pytest.raises(OSError, match="disk full"):
        web_ticket(attachment=_png())
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
