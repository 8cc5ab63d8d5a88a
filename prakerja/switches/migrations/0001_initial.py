import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Switch and SwitchWindow move here from programs: the state is created over the existing
    tables, which 0002 then renames."""

    initial = True

    dependencies = [("programs", "0002_switches_and_permissions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Switch",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(choices=[("registration", "New-account registration"), ("account_linking", "Account linking")], max_length=40, unique=True, verbose_name="name")),
                        ("override", models.CharField(blank=True, choices=[("on", "Forced on"), ("off", "Forced off")], default="", max_length=3, verbose_name="manual override")),
                        ("message", models.TextField(blank=True, help_text="Shown instead of the button (and in the API) while the switch is off.", verbose_name="message while off")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                    ],
                    options={
                        "verbose_name": "scheduled switch",
                        "verbose_name_plural": "scheduled switches",
                        "ordering": ["name"],
                        "db_table": "programs_switch",
                    },
                ),
                migrations.CreateModel(
                    name="SwitchWindow",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("active_from", models.DateTimeField(blank=True, null=True, verbose_name="active from")),
                        ("active_until", models.DateTimeField(blank=True, null=True, verbose_name="active until")),
                        ("switch", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="windows", to="switches.switch", verbose_name="switch")),
                    ],
                    options={
                        "verbose_name": "window",
                        "verbose_name_plural": "windows",
                        "ordering": ["active_from"],
                        "db_table": "programs_switchwindow",
                        "constraints": [models.CheckConstraint(condition=models.Q(("active_from__isnull", True), ("active_until__isnull", True), ("active_from__lt", models.F("active_until")), _connector="OR"), name="switch_window_not_inverted")],
                    },
                ),
            ],
            database_operations=[],
        )
    ]
