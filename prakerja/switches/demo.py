"""Demo switches: both on, each with the PMO's message for when it is off (idempotent)."""

from django.db import transaction

from .models import Switch, SwitchName, SwitchWindow


@transaction.atomic
def seed(*, stdout) -> None:
    for name in SwitchName.values:
        switch, created = Switch.objects.get_or_create(
            name=name,
            defaults={
                "message": "Pendaftaran akun baru sedang ditutup dan akan dibuka kembali menjelang "
                "gelombang berikutnya."
                if name == SwitchName.REGISTRATION
                else "Penautan rekening sedang ditutup sementara."
            },
        )
        if created or not switch.windows.exists():
            SwitchWindow.objects.create(switch=switch, active_from=None, active_until=None)
    stdout.write("switches: registration and account linking on")
