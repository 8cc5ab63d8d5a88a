"""Factories for payouts. `LinkedAccountFactory(user=...)` is an active BNI account (numbers
ending in 1313 / 1414 fail with the fake partner: closed / holder mismatch)."""

import factory

from prakerja.core import clock
from prakerja.payouts.models import LinkedAccount, LinkStatus, Provider


class LinkedAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkedAccount

    provider = factory.LazyFunction(lambda: Provider.objects.get(code="bni"))
    account_number = factory.Sequence(lambda n: f"77{n:08d}")
    holder_name = factory.LazyAttribute(lambda a: a.user.get_full_name() or a.user.username)
    status = LinkStatus.ACTIVE
    requested_at = factory.LazyFunction(clock.now)
    confirmed_at = factory.LazyFunction(clock.now)
