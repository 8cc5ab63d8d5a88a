"""Demo data for live chat: one finished, rated chat so the supervisor view and reports have a
transcript to show (idempotent). Live chats need an agent online in the chat workspace."""

import datetime as dt

from django.db import transaction

from prakerja.core import clock
from prakerja.helpdesk.models import Channel, Message
from prakerja.helpdesk.services import ticket_create

from .models import Chat, ChatState, EndReason


@transaction.atomic
def seed(*, stdout) -> None:
    if not Chat.objects.filter(requester_email="demo.chat@example.test").exists():
        ticket = ticket_create(
            channel=Channel.CHAT,
            subject="Insentif belum masuk",
            description="Halo, insentif pertama saya belum masuk ke e-wallet.",
            name="Peserta Demo",
            email="demo.chat@example.test",
            route=False,
        )
        now = clock.now()
        Message.objects.create(
            ticket=ticket,
            author_name="Agen Demo",
            body="Halo, insentif dikirim paling lambat 5 hari kerja setelah sertifikat terbit.",
            created_at=now,
        )
        Chat.objects.create(
            state=ChatState.ENDED,
            ticket=ticket,
            requester_name="Peserta Demo",
            requester_email="demo.chat@example.test",
            question=ticket.description,
            created_at=now - dt.timedelta(minutes=6),
            queued_at=now - dt.timedelta(minutes=6),
            assigned_at=now - dt.timedelta(minutes=5),
            ended_at=now,
            end_reason=EndReason.AGENT,
            last_activity_at=now,
            rating=5,
        )
    stdout.write(
        "  livechat: launcher on every page; agents at /livechat/agent/, "
        "supervisors at /livechat/supervisor/ (set yourself Online to receive chats)\n"
    )
