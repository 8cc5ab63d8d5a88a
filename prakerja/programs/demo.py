"""Demo waves around today (one open), an announcement, applications and the basic skills test
of the participants who joined (idempotent)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from prakerja.core import clock
from prakerja.switches.models import SwitchName

from .models import (
    Announcement,
    Application,
    ApplicationStatus,
    SkillsAttemptStatus,
    SkillsTestAttempt,
    Wave,
)


@transaction.atomic
def seed(*, stdout) -> None:
    now = clock.now()
    today = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    waves = [
        (22, today - dt.timedelta(days=20), today - dt.timedelta(days=10), 2),
        (23, today - dt.timedelta(days=2), today + dt.timedelta(days=5, hours=23, minutes=59), 50),
        (24, today + dt.timedelta(days=20), today + dt.timedelta(days=27), 50),
    ]
    for number, opens, closes, quota in waves:
        Wave.objects.get_or_create(
            number=number,
            defaults={
                "title": f"Gelombang {number}",
                "opens_at": opens,
                "closes_at": closes,
                "quota": quota,
            },
        )
    closed = Wave.objects.get(number=22)
    User = get_user_model()
    selected = User.objects.filter(username="peserta.lolos@demo.prakerja.local").first()
    joined = User.objects.filter(username="peserta.verif@demo.prakerja.local").first()
    if selected and not Application.objects.filter(participant=selected).exists():
        Application.objects.create(
            wave=closed,
            participant=selected,
            status=ApplicationStatus.SELECTED,
            joined_at=closed.opens_at + dt.timedelta(hours=1),
            decided_at=closed.closes_at + dt.timedelta(days=1),
        )
        closed.selection_ran_at = closed.closes_at + dt.timedelta(days=1)
        closed.announce_at = closed.closes_at + dt.timedelta(days=2)
        closed.results_notified_at = closed.announce_at  # told back then, not by today's job
        closed.save(update_fields=["selection_ran_at", "announce_at", "results_notified_at"])
    if joined and not Application.objects.filter(participant=joined).exists():
        Application.objects.create(
            wave=Wave.objects.get(number=23), participant=joined, joined_at=now
        )
    for user, score in ((selected, 80), (joined, 70)):
        if user and not SkillsTestAttempt.objects.filter(participant=user).exists():
            started = now - dt.timedelta(days=21)
            SkillsTestAttempt.objects.create(
                participant=user,
                status=SkillsAttemptStatus.SUBMITTED,
                started_at=started,
                deadline_at=started + dt.timedelta(minutes=15),
                completed_at=started + dt.timedelta(minutes=11),
                score=score,
            )
    if not Announcement.objects.exists():
        Announcement.objects.create(
            title="Gelombang 23 dibuka",
            body="Pendaftaran gelombang 23 dibuka sampai akhir pekan ini pukul 23:59 WIB. "
            "Pastikan identitas Anda sudah terverifikasi sebelum ikut gelombang.",
            publish_at=now - dt.timedelta(hours=1),
            expires_at=now + dt.timedelta(days=7),
            while_switch_on=SwitchName.REGISTRATION,
        )
    stdout.write(
        "programs: waves 22 (announced), 23 (open), 24 (upcoming); 1 announcement; "
        "skills test scores for the participants in waves"
    )
