"""SQLite: an fts5vocab table over the tickets' full-text index, listing the indexed words.

A word-prefix query ("serti"*) makes FTS5 merge the whole row lists of every word with that
prefix before it can return the newest match: ~65 ms for a word in each of 1,000,000 tickets.
The same words asked for one by one (`"sertifikat" OR "sertifikatnya"`) are read lazily, newest
first, in well under a millisecond; this table is where the search looks them up
(`selectors._sqlite_prefix_terms`). PostgreSQL: nothing to do.
"""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE helpdesk_ticket_fts_terms "
    "USING fts5vocab(helpdesk_ticket_fts, 'instance')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE helpdesk_ticket_fts_terms")


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0006_partial_indexes_and_deferred_fts")]

    operations = [migrations.RunPython(create, drop)]
