"""The text index behind the records search, per database: SQLite FTS5 (a virtual table kept by
triggers), or on PostgreSQL the pg_trgm extension (CI's PostgreSQL user is a superuser; on a
managed server run ``CREATE EXTENSION pg_trgm`` once as its owner) and GIN indexes for full
text and trigram similarity."""

from django.db import migrations


def install(apps, schema_editor):
    from safecity.records.backends import backend_for

    backend_for(schema_editor.connection.alias).ensure_schema()


def uninstall(apps, schema_editor):
    from safecity.records.backends import backend_for

    backend_for(schema_editor.connection.alias).drop_schema()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
