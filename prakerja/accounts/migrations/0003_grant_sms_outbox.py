from django.db import migrations

from prakerja.core.migration_helpers import grant


def forwards(apps, schema_editor):
    for role in ("pmo_admin", "supervisor"):
        grant(apps, role, ["accounts.view_smsoutbox"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_sms_outbox_and_verification"),
        ("core", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
