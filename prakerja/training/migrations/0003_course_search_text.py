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
    # expression. Without fastupdate, a course's entries go straight into the index: courses
    # change rarely, and a pending list (flushed only by vacuum) would be scanned by every
    # search. SQLite has no trigram index; the same query scans there.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON training_course USING gin (UPPER(search_text) gin_trgm_ops)"
        " WITH (fastupdate = off)"
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
        # With the id, a deep catalog page walks the index in the catalog's order instead of
        # sorting every course.
        migrations.RemoveIndex(model_name="course", name="course_catalog_title"),
        migrations.AddIndex(
            model_name="course",
            index=models.Index(fields=["status", "title", "id"], name="course_catalog_title"),
        ),
        migrations.RunPython(index_create, index_drop),
    ]
