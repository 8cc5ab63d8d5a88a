from django.db import migrations

from prakerja.core.migration_helpers import grant


def forwards(apps, schema_editor):
    Switch = apps.get_model("programs", "Switch")
    SwitchWindow = apps.get_model("programs", "SwitchWindow")
    for name in ("registration", "account_linking"):
        switch, created = Switch.objects.get_or_create(name=name)
        if created:
            SwitchWindow.objects.create(switch=switch, active_from=None, active_until=None)
    grant(
        apps,
        "pmo_admin",
        [
            f"programs.{verb}_{model}"
            for model in ("switch", "switchwindow", "announcement", "wave")
            for verb in ("add", "change", "delete", "view")
        ]
        + ["programs.view_application"],
    )
    grant(apps, "supervisor", ["programs.view_switch", "programs.view_announcement", "programs.view_wave"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial"), ("core", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
