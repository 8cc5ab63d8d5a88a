"""SQLite: the tickets' FTS5 index is kept in step by its triggers again, in the same statement
as every write (as migration 0005 made it), and text search asks FTS5 for word prefixes
directly. Goes: the queue of new tickets waiting to be indexed by the intake task (0006) and the
fts5vocab table of indexed words (0007); the queued tickets are indexed first. PostgreSQL:
nothing to do (its GIN index follows every row).
"""

import importlib

from django.db import migrations

m0006 = importlib.import_module(
    "prakerja.helpdesk.migrations.0006_partial_indexes_and_deferred_fts"
)
m0007 = importlib.import_module("prakerja.helpdesk.migrations.0007_search_terms_vocabulary")


def index_in_step(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        m0007.drop(apps, schema_editor)
        m0006.index_at_insert(apps, schema_editor)


def index_by_intake(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        m0006.defer_fts(apps, schema_editor)
        m0007.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0008_seed_knowledge_base_every_category")]

    operations = [migrations.RunPython(index_in_step, index_by_intake)]
