"""Helpers that drive real helpdesk services (tickets are only ever changed through them).

Each runs the on-commit side effects (survey request, e-mail, SMS) as a real commit would."""

import datetime as dt

import time_machine
from django.test import TestCase

from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role


def agent(username: str = "agent1"):
    return user_with_role(Role.AGENT, username=username)


def ticket_at(
    at: dt.datetime,
    *,
    channel: str = "web",
    category: str = "other",
    email: str = "warga@example.test",
    phone: str = "",
    assignee=None,
):
    from prakerja.helpdesk.services import ticket_assign, ticket_create

    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        ticket = ticket_create(
            channel=channel,
            subject="Tidak bisa masuk",
            description="Akun saya terkunci",
            category_slug=category,
            name="Warga",
            email=email,
            phone=phone,
            route=False,
        )
        if assignee is not None:
            ticket = ticket_assign(ticket=ticket, agent=assignee, actor=assignee)
    return ticket


def reply_at(ticket, at: dt.datetime, author):
    from prakerja.helpdesk.services import ticket_reply

    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        ticket_reply(ticket=ticket, author=author, body="Kami bantu cek.")
    ticket.refresh_from_db()
    return ticket


def resolve_at(ticket, at: dt.datetime, actor):
    from prakerja.helpdesk.services import ticket_resolve

    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        ticket_resolve(ticket=ticket, actor=actor)
    ticket.refresh_from_db()
    return ticket


def reopen_at(ticket, at: dt.datetime):
    from prakerja.helpdesk.services import ticket_requester_reply

    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        ticket_requester_reply(ticket=ticket, body="Masih belum bisa.")
    ticket.refresh_from_db()
    return ticket
