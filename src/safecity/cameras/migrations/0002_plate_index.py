"""The reads' plate index: on SQLite moved out of the reads table into ``PlateReadIndex``
(filled behind ingestion, ``cameras.plate_index``); on PostgreSQL it stays where it was."""

from typing import Any

from django.db import migrations, models


def _move_to_table(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP INDEX IF EXISTS plateread_plate_ts")
    schema_editor.execute(
        "INSERT INTO cameras_platereadindex (id, plate_key, ts) "
        "SELECT id, plate_key, ts FROM cameras_plateread ORDER BY plate_key, ts"
    )


def _move_back(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS plateread_plate_ts ON cameras_plateread (plate_key, ts)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlateReadIndex",
            fields=[
                ("id", models.IntegerField(primary_key=True, serialize=False)),
                ("plate_key", models.CharField(max_length=20)),
                ("ts", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["plate_key", "ts"], name="platereadindex_plate_ts")
                ],
            },
        ),
        # The model state forgets the reads' plate index on every database; the database
        # keeps it except on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="plateread", name="plateread_plate_ts"),
            ],
            database_operations=[
                migrations.RunPython(_move_to_table, _move_back),
            ],
        ),
    ]
