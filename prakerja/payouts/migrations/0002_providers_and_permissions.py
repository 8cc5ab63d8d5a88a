from django.db import migrations

from prakerja.core.migration_helpers import grant

PROVIDERS = [
    ("bni", "BNI", "bank", r"^\d{10}$", "BNI account numbers have 10 digits.", 1),
    ("ovo", "OVO", "ewallet", "", "", 2),
    ("gopay", "GoPay", "ewallet", "", "", 3),
    ("linkaja", "LinkAja", "ewallet", "", "", 4),
    ("dana", "DANA", "ewallet", "", "", 5),
]


def forwards(apps, schema_editor):
    Provider = apps.get_model("payouts", "Provider")
    for code, name, kind, pattern, hint, position in PROVIDERS:
        Provider.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "number_pattern": pattern,
                "number_hint": hint,
                "position": position,
            },
        )
    grant(
        apps,
        "pmo_admin",
        ["payouts.add_provider", "payouts.change_provider", "payouts.view_provider", "payouts.view_linkedaccount"],
    )


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial"), ("core", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
