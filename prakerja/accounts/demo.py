"""Demo participants in different states (idempotent). Password: prakerja-demo."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from prakerja.core import clock
from prakerja.core.demo import DEMO_PASSWORD
from prakerja.core.roles import Role

from .models import Identity, IdentityStatus
from .nik import make_nik

# username, full name, phone, e-mail confirmed, phone confirmed, identity status, female
DEMO_PARTICIPANTS = [
    ("peserta.baru@demo.prakerja.local", "Rina Baru", "+6281200000001", False, False, None, True),
    (
        "peserta.verif@demo.prakerja.local",
        "Budi Santoso",
        "+6281200000002",
        True,
        True,
        "verified",
        False,
    ),
    (
        "peserta.lolos@demo.prakerja.local",
        "Siti Aminah",
        "+6281200000003",
        True,
        True,
        "verified",
        True,
    ),
    (
        "peserta.ditolak@demo.prakerja.local",
        "Agus Pratama",
        "+6281200000004",
        True,
        True,
        "rejected",
        False,
    ),
]


def demo_participant(*, username, full_name, phone, email_ok, phone_ok):
    User = get_user_model()
    now = clock.now()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": username,
            "full_name": full_name,
            "phone": phone,
            "email_verified_at": now if email_ok else None,
            "phone_verified_at": now if phone_ok else None,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=Role.PARTICIPANT))
    return user


@transaction.atomic
def seed(*, stdout) -> None:
    for n, (username, name, phone, email_ok, phone_ok, status, female) in enumerate(
        DEMO_PARTICIPANTS, start=1
    ):
        user = demo_participant(
            username=username, full_name=name, phone=phone, email_ok=email_ok, phone_ok=phone_ok
        )
        if status is None or Identity.objects.filter(user=user).exists():
            continue
        birth = dt.date(1994, 3, 10 + n)
        Identity.objects.create(
            user=user,
            nik=make_nik(birth_date=birth, female=female, serial=f"{9000 + n:04d}"),
            kk_number=f"317101010120{9000 + n:04d}",
            kk_slot=1,
            full_name=name.upper(),
            birth_date=birth,
            gender="F" if female else "M",
            province="31",
            city="Jakarta Selatan",
            education="sma",
            work_status="job_seeker",
            declared_not_student=True,
            declared_not_official=True,
            status=status,
            rejection_reason=""
            if status == IdentityStatus.VERIFIED
            else "Foto KTP tidak sesuai dengan data yang diisi.",
            submitted_at=clock.now(),
            verified_at=clock.now() if status == IdentityStatus.VERIFIED else None,
        )
    stdout.write(
        "accounts: demo participants "
        + ", ".join(u for u, *_ in DEMO_PARTICIPANTS)
        + f" (password {DEMO_PASSWORD})"
    )
