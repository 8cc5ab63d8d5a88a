from django.db import migrations


class Migration(migrations.Migration):
    """Switch and SwitchWindow now belong to the switches app (same tables, state only)."""

    dependencies = [("programs", "0002_switches_and_permissions"), ("switches", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SwitchWindow"),
                migrations.DeleteModel(name="Switch"),
            ],
            database_operations=[],
        )
    ]
