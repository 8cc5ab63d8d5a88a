from django.db import migrations

from prakerja.core.migration_helpers import grant


def forwards(apps, schema_editor):
    grant(apps, "pmo_admin", ["accounts.view_identity", "accounts.change_identity", "accounts.view_user"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_identity_onetimecode"), ("core", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
