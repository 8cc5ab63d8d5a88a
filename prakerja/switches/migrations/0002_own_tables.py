from django.db import migrations

MODELS = ("switch", "switchwindow")


def content_types_to_switches(apps, schema_editor):
    """The content types (and so the PMO's and supervisors' permissions on them) follow the
    models; on a fresh database they do not exist yet and post_migrate creates them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="switches", model=model).exists():
            ContentType.objects.filter(app_label="programs", model=model).update(
                app_label="switches"
            )


def content_types_to_programs(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="switches", model__in=MODELS).update(
        app_label="programs"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("switches", "0001_initial"),
        ("programs", "0003_switches_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="switch", table=None),
        migrations.AlterModelTable(name="switchwindow", table=None),
        migrations.RunPython(content_types_to_switches, content_types_to_programs),
    ]
