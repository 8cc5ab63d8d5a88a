from django.db import migrations

from prakerja.core.migration_helpers import grant


def forwards(apps, schema_editor):
    for role in ("supervisor", "pmo_admin"):
        grant(apps, role, ["surveys.view_survey"])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("core", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
