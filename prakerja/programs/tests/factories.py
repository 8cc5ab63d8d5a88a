import datetime as dt

import factory

from prakerja.core import clock
from prakerja.programs.models import Announcement, Wave


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
