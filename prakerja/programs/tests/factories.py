import datetime as dt
import itertools

import factory

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.accounts.nik import make_nik
from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.programs.models import (
    Announcement,
    SkillsAttemptStatus,
    SkillsTestAttempt,
    Wave,
)


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave

    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda w: f"Gelombang {w.number}")
    opens_at = factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: clock.now() + dt.timedelta(days=2))
    quota = 2


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Pengumuman {n}")
    body = "Isi pengumuman."
    publish_at = factory.LazyFunction(lambda: clock.now() - dt.timedelta(hours=1))


def skills_test_completed(participant, *, score: int = 70) -> SkillsTestAttempt:
    """A basic skills test the participant submitted an hour ago with `score`: what joining a
    wave needs."""
    started = clock.now() - dt.timedelta(hours=1)
    return SkillsTestAttempt.objects.create(
        participant=participant,
        status=SkillsAttemptStatus.SUBMITTED,
        started_at=started,
        deadline_at=started + dt.timedelta(minutes=15),
        completed_at=started + dt.timedelta(minutes=10),
        score=score,
    )


_serial = itertools.count(1)


def verified_participant(status=IdentityStatus.VERIFIED, *, skills_test: bool = True, **kwargs):
    """A participant ready to join a wave: confirmed e-mail and phone (ParticipantFactory), an
    identity with `status`, and a completed basic skills test unless `skills_test` is False."""
    user = ParticipantFactory(**kwargs)
    n = next(_serial)
    Identity.objects.create(
        user=user,
        nik=make_nik(birth_date=dt.date(1990, 1, 2), female=False, serial=f"{n:04d}"),
        kk_number=f"3171010101{n:06d}",
        kk_slot=1,
        full_name=user.full_name.upper(),
        birth_date=dt.date(1990, 1, 2),
        gender="M",
        province="31",
        city="Jakarta",
        education="sma",
        work_status="job_seeker",
        declared_not_student=True,
        declared_not_official=True,
        status=status,
        submitted_at=clock.now(),
    )
    if skills_test:
        skills_test_completed(user)
    return user
