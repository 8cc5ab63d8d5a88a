"""Demo data: 60 agents (30 on Pagi, 30 on Siang) rostered for the coming week, the demo
supervisor, and a few dozen tickets on every channel and status. Idempotent.

The roster is a dated table (one row per agent, shift and day), so a week rostered at seeding
would run out after seven days and the demo would stop routing. The scheduler's
`helpdesk.demo_roster` job (`demo_roster_extend`) keeps the demo agents rostered a week ahead,
so the demo roster repeats for as long as the scheduler runs."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
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


def _agent_username(i: int) -> str:
    return f"agen{i:02d}"


def _agents():
    return [
        demo_user(username=_agent_username(i), full_name=f"Agen {i:02d}", role=Role.AGENT)
        for i in range(1, AGENTS + 1)
    ]


@transaction.atomic
def demo_roster_extend() -> int:
    """Roster each demo agent (agen01-30 Pagi, agen31-60 Siang) for today and the next
    ROSTER_DAYS - 1 days, adding only the missing rows. Finds the agents `seed` made and makes
    none: a database without them gets nothing. Returns how many rows were added."""
    shifts = list(Shift.objects.filter(code__in=["pagi", "siang"]).order_by("starts_at"))
    if len(shifts) != 2:
        return 0
    usernames = [_agent_username(i) for i in range(1, AGENTS + 1)]
    agents = get_user_model().objects.filter(
        username__in=usernames, email__endswith="@demo.prakerja.local"
    )
    shift_of = {u: shifts[i // (AGENTS // 2)] for i, u in enumerate(usernames)}
    today = clock.local_now().date()
    days = [today + dt.timedelta(days=d) for d in range(ROSTER_DAYS)]
    existing = set(
        RosterEntry.objects.filter(date__in=days, agent__in=agents).values_list(
            "agent_id", "shift_id", "date"
        )
    )
    new = []
    for agent in agents:
        shift = shift_of[agent.username]
        new += [
            RosterEntry(agent=agent, shift=shift, date=day)
            for day in days
            if (agent.pk, shift.pk, day) not in existing
        ]
    RosterEntry.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def seed(*, stdout) -> None:
    agents = _agents()
    supervisor = demo_user(username="supervisor", full_name="Supervisor Demo", role=Role.SUPERVISOR)
    demo_roster_extend()
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
            agent = agents[n % 3]  # agen01-03: log in as one of them to see a queue
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
