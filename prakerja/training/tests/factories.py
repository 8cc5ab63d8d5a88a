"""Factories for the training app. `CardFactory()` gives a selected participant of an announced
wave an active card (results published a day ago); `PurchaseFactory(card=..., course=...)`
writes rows directly, without the balance rule (use `purchase_create` to test that)."""

import datetime as dt

import factory

from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.core.tests.factories import UserFactory
from prakerja.programs.models import Application, ApplicationStatus
from prakerja.programs.tests.factories import WaveFactory
from prakerja.training.models import (
    Card,
    Certificate,
    Course,
    CourseMode,
    CourseStatus,
    Institution,
    Platform,
    Purchase,
    PurchaseStatus,
    Review,
)
from prakerja.training.services import card_number_new, certificate_number_new, voucher_code_new


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    slug = factory.Sequence(lambda n: f"platform-{n}")
    name = factory.Sequence(lambda n: f"Platform {n}")
    user = factory.SubFactory(
        UserFactory, username=factory.LazyAttribute(lambda u: f"platform.{u.factory_parent.slug}")
    )


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Lembaga Pelatihan {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    """An approved online course (visible in the catalog)."""

    class Meta:
        model = Course

    platform = factory.SubFactory(PlatformFactory)
    external_id = factory.Sequence(lambda n: f"C-{n:05d}")
    title = factory.Sequence(lambda n: f"Pelatihan {n}")
    institution = factory.SubFactory(InstitutionFactory)
    price = 500_000
    mode = CourseMode.ONLINE
    category = "Teknologi Informasi"
    description = "Deskripsi pelatihan."
    hours = 10
    status = CourseStatus.APPROVED
    reviewed_at = factory.LazyFunction(clock.now)


class SelectedApplicationFactory(factory.django.DjangoModelFactory):
    """A selected application of a wave whose results were published a day ago."""

    class Meta:
        model = Application

    wave = factory.SubFactory(
        WaveFactory,
        opens_at=factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=20)),
        closes_at=factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=10)),
        selection_ran_at=factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=2)),
        announce_at=factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=1)),
    )
    participant = factory.SubFactory(ParticipantFactory)
    status = ApplicationStatus.SELECTED
    joined_at = factory.LazyAttribute(lambda a: a.wave.opens_at + dt.timedelta(hours=1))
    decided_at = factory.LazyAttribute(lambda a: a.wave.selection_ran_at)


class CardFactory(factory.django.DjangoModelFactory):
    """A card as `card_issue_for_selection` issues it, from the application's wave."""

    class Meta:
        model = Card

    application = factory.SubFactory(SelectedApplicationFactory)
    participant = factory.LazyAttribute(lambda c: c.application.participant)
    number = factory.LazyFunction(card_number_new)
    initial_balance = factory.LazyAttribute(lambda c: c.application.wave.training_balance)
    balance = factory.LazyAttribute(lambda c: c.initial_balance)
    issued_at = factory.LazyAttribute(lambda c: c.application.wave.announce_at)
    first_purchase_deadline = factory.LazyAttribute(
        lambda c: c.issued_at + dt.timedelta(days=c.application.wave.first_purchase_days)
    )
    valid_until = factory.LazyAttribute(
        lambda c: c.issued_at + dt.timedelta(days=c.application.wave.card_valid_days)
    )


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A paid purchase (not redeemed); the card's balance is not touched."""

    class Meta:
        model = Purchase

    card = factory.SubFactory(CardFactory)
    course = factory.SubFactory(CourseFactory)
    price = factory.LazyAttribute(lambda p: p.course.price)
    voucher_code = factory.LazyFunction(voucher_code_new)
    status = PurchaseStatus.PAID
    purchased_at = factory.LazyFunction(clock.now)

    class Params:
        redeemed = factory.Trait(
            status=PurchaseStatus.REDEEMED, redeemed_at=factory.LazyFunction(clock.now)
        )
        completed = factory.Trait(
            status=PurchaseStatus.COMPLETED,
            redeemed_at=factory.LazyFunction(clock.now),
            completed_at=factory.LazyFunction(clock.now),
            score=85,
        )


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    purchase = factory.SubFactory(PurchaseFactory, completed=True)
    number = factory.LazyFunction(certificate_number_new)
    issued_at = factory.LazyFunction(clock.now)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    purchase = factory.SubFactory(PurchaseFactory, completed=True)
    rating = 5
    text = "Materinya jelas dan bermanfaat."
    created_at = factory.LazyFunction(clock.now)
