import datetime as dt

import factory
from django.contrib.auth.models import Group

from prakerja.core.tests.factories import UserFactory


class ParticipantFactory(UserFactory):
    """A participant (role `participant`) with a confirmed e-mail and mobile number."""

    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    email_verified_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    phone_verified_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted if extracted is not None else ["participant"]:
            self.groups.add(Group.objects.get(name=role))


def sms_code_sent_to(phone: str) -> str:
    """The six-digit code of the last SMS the outbox adapter delivered to `phone` (the database
    keeps it masked; the delivered text is in the adapter's in-memory inbox)."""
    import re

    from prakerja.accounts.sms import inbox

    text = next(text for to, text in reversed(inbox) if to == phone)
    return re.search(r"\b(\d{6})\b", text).group(1)
