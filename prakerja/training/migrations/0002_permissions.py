from django.db import migrations

from prakerja.core.migration_helpers import grant

MODELS = ["platform", "institution", "course", "card", "purchase", "certificate", "review"]


def forwards(apps, schema_editor):
    grant(
        apps,
        "pmo_admin",
        [f"training.view_{m}" for m in MODELS]
        + ["training.add_platform", "training.change_platform", "training.change_course"],
    )
    grant(
        apps,
        "supervisor",
        ["training.view_card", "training.view_purchase", "training.view_certificate"],
    )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial"), ("core", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
