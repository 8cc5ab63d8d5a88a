from django.db import migrations

# The hint is shown to participants as written; the seed had it in English.
SEED_HINT = "BNI account numbers have 10 digits."
HINT = "Nomor rekening BNI terdiri dari 10 digit."


def forwards(apps, schema_editor):
    Provider = apps.get_model("payouts", "Provider")
    Provider.objects.filter(code="bni", number_hint=SEED_HINT).update(number_hint=HINT)


def backwards(apps, schema_editor):
    Provider = apps.get_model("payouts", "Provider")
    Provider.objects.filter(code="bni", number_hint=HINT).update(number_hint=SEED_HINT)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0005_platform_statements")]
    operations = [migrations.RunPython(forwards, backwards)]
