from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Concat

INDEX = "course_search_trgm"


def fill(apps, schema_editor):
    Course = apps.get_model("training", "Course")
    Institution = apps.get_model("training", "Institution")
    name = Institution.objects.filter(pk=OuterRef("institution_id")).values("name")
    Course.objects.update(
        search_text=Concat(
            "title",
            Value(" "),
            Subquery(name),
            Value(" "),
            "category",
            output_field=models.TextField(),
        )
    )


def index_create(apps, schema_editor):
    # Django's icontains is UPPER(column) LIKE UPPER(pattern) on PostgreSQL: the index is on that
    # expression. SQLite has no trigram index; the same query scans there.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON training_course USING gin (UPPER(search_text) gin_trgm_ops)"
    )


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("training", "0002_permissions")]
    operations = [
        migrations.AddField(
            model_name="course",
            name="search_text",
            field=models.TextField(default="", editable=False, verbose_name="search text"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
