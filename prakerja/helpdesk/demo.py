"""Demo data: 60 agents (30 on Pagi, 30 on Siang) rostered for the coming week, the demo
supervisor, and a few dozen tickets on every channel and status. Idempotent."""

import datetime as dt
import random

from django.db import transaction

from prakerja.core import clock
from prakerja.core.demo import DEMO_PASSWORD, demo_user
from prakerja.core.roles import Role

from . import services
from .models import Channel, Priority, RosterEntry, Shift, Ticket, TicketStatus

AGENTS = 60
ROSTER_DAYS = 7
DEMO_TICKETS = [
    (
        Channel.WEB,
        "account-linking",
        "OTP penautan e-wallet tidak masuk",
        "Sudah tiga kali minta kode OTP tetapi SMS tidak pernah masuk.",
    ),
    (
        Channel.WEB,
        "certificate",
        "Sertifikat belum muncul di dasbor",
        "Pelatihan selesai minggu lalu, sertifikat belum terlihat.",
    ),
    (
        Channel.PHONE,
        "incentive",
        "Insentif bulan kedua belum cair",
        "Penelepon menanyakan insentif bulan kedua.",
    ),
    (
        Channel.CHAT,
        "training",
        "Bingung memilih pelatihan",
        "Pelatihan apa yang cocok untuk menjadi admin media sosial?",
    ),
    (
        Channel.WEB,
        "account",
        "Lupa kata sandi, e-mail lama tidak aktif",
        "E-mail saya yang dulu sudah tidak bisa dibuka.",
    ),
    (
        Channel.WEB,
        "registration",
        "NIK dinyatakan sudah terdaftar",
        "Saat daftar muncul pesan NIK sudah dipakai, padahal saya belum pernah daftar.",
    ),
    (
        Channel.PHONE,
        "other",
        "Menanyakan jadwal gelombang berikutnya",
        "Kapan gelombang berikutnya dibuka?",
    ),
]
NAMES = [
    "Siti Aminah",
    "Budi Santoso",
    "Rina Wulandari",
    "Agus Pratama",
    "Dewi Lestari",
    "Joko Susilo",
    "Nur Halimah",
    "Fajar Nugroho",
]


def _agents():
    shifts = list(Shift.objects.filter(code__in=["pagi", "siang"]).order_by("starts_at"))
    agents = []
    for i in range(1, AGENTS + 1):
        user = demo_user(username=f"agen{i:02d}", full_name=f"Agen {i:02d}", role=Role.AGENT)
        agents.append((user, shifts[(i - 1) // (AGENTS // 2)] if shifts else None))
    return agents


@transaction.atomic
def seed(*, stdout) -> None:
    agents = _agents()
    supervisor = demo_user(username="supervisor", full_name="Supervisor Demo", role=Role.SUPERVISOR)
    today = clock.local_now().date()
    existing = set(
        RosterEntry.objects.filter(
            date__gte=today, date__lt=today + dt.timedelta(days=ROSTER_DAYS)
        ).values_list("agent_id", "shift_id", "date")
    )
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(agent=user, shift=shift, date=today + dt.timedelta(days=d))
            for d in range(ROSTER_DAYS)
            for user, shift in agents
            if shift is not None
            and (user.pk, shift.pk, today + dt.timedelta(days=d)) not in existing
        ]
    )
    if not Ticket.objects.filter(requester_email__endswith="@demo.prakerja.local").exists():
        rng = random.Random(4)  # noqa: S311 - demo data, not security
        for n in range(28):
            channel, category, subject, body = DEMO_TICKETS[n % len(DEMO_TICKETS)]
            name = NAMES[n % len(NAMES)]
            ticket = services.ticket_create(
                channel=channel,
                subject=subject,
                description=body,
                category_slug=category,
                name=name,
                email=f"{name.split()[0].lower()}{n}@demo.prakerja.local",
                phone=f"+62812{rng.randint(10_000_000, 99_999_999)}",
                priority=rng.choice(
                    [Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]
                ),
                route=False,
            )
            agent = agents[n % 3][0]  # agen01-03: log in as one of them to see a queue
            if n % 4 == 0:
                continue  # leave some in the unassigned queue
            services.ticket_assign(ticket=ticket, agent=agent, actor=supervisor)
            if n % 4 >= 2:
                services.ticket_reply(
                    ticket=ticket,
                    author=agent,
                    body="Terima kasih, laporan Anda sedang kami periksa.",
                )
            if n % 7 == 3:
                services.ticket_set_status(ticket=ticket, status=TicketStatus.PENDING, actor=agent)
            if n % 7 == 5:
                services.ticket_resolve(ticket=ticket, actor=agent)
    stdout.write(
        f"helpdesk: {AGENTS} agents agen01-agen{AGENTS:02d} (agen01-30 Pagi, agen31-60 Siang), "
        f"supervisor 'supervisor', password {DEMO_PASSWORD}; complaint form /pengaduan/, "
        "workspace /agen/, help center /bantuan/"
    )
