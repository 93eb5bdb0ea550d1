"""PostgreSQL indexes for prefix search under any collation, and trigram search on
addresses. SQLite's LIKE prefix search uses the plain indexes of 0001."""

from django.db import migrations

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS person_initials_pattern ON registry_person "
    "(name_initials varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS person_pinyin_pattern ON registry_person "
    "(name_pinyin varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS person_name_pattern ON registry_person "
    "(name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS person_address_trgm ON registry_person "
    "USING gin (address gin_trgm_ops)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS person_initials_pattern",
    "DROP INDEX IF EXISTS person_pinyin_pattern",
    "DROP INDEX IF EXISTS person_name_pattern",
    "DROP INDEX IF EXISTS person_address_trgm",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
