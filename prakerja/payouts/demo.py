"""A linked account for the selected demo participant (idempotent)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from prakerja.core import clock

from .models import LinkedAccount, LinkStatus, Provider


@transaction.atomic
def seed(*, stdout) -> None:
    user = get_user_model().objects.filter(username="peserta.lolos@demo.prakerja.local").first()
    if user is not None and not LinkedAccount.objects.filter(user=user).exists():
        identity = getattr(user, "identity", None)
        LinkedAccount.objects.create(
            user=user,
            provider=Provider.objects.get(code="bni"),
            account_number="0123456789",
            holder_name=identity.full_name if identity else user.full_name,
            status=LinkStatus.ACTIVE,
            requested_at=clock.now(),
            confirmed_at=clock.now(),
            verification_ref="sandbox-demo",
        )
    stdout.write(
        "payouts: providers BNI, OVO, GoPay, LinkAja, DANA; sandbox test numbers in "
        "prakerja/payouts/verification.py"
    )
