"""Typo-tolerant search on PostgreSQL: the pg_trgm extension and a trigram index on titles.

`pg_trgm` ships with PostgreSQL and is a trusted extension (13+), so the database's
owner can create it. SQLite has no trigrams and searches by word prefixes instead.
"""

from django.db import migrations


def add_trigrams(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX papers_paper_title_trgm ON papers_paper USING gin (lower(title) gin_trgm_ops)"
    )


def drop_trigrams(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS papers_paper_title_trgm")


class Migration(migrations.Migration):
    dependencies = [("papers", "0005_topic_aliases")]

    operations = [migrations.RunPython(add_trigrams, drop_trigrams)]
