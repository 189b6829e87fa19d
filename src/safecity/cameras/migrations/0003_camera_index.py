"""The reads' index by camera: on SQLite moved out of the reads table into ``PlateReadIndex``
(filled behind ingestion with the plate index, ``cameras.plate_index``); on PostgreSQL it stays
where it was."""

from typing import Any

from django.db import migrations, models


def _move_to_table(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP INDEX IF EXISTS plateread_camera_ts")
    # The index rows get their camera; reads stored meanwhile are past the watermark.
    schema_editor.execute(
        "UPDATE cameras_platereadindex SET camera_id = (SELECT camera_id FROM cameras_plateread "
        "WHERE cameras_plateread.id = cameras_platereadindex.id)"
    )


def _move_back(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS plateread_camera_ts ON cameras_plateread (camera_id, ts)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0002_plate_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="platereadindex",
            name="camera_id",
            field=models.IntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="platereadindex",
            index=models.Index(fields=["camera_id", "ts"], name="platereadindex_camera_ts"),
        ),
        # The model state forgets the reads' camera index on every database; the database
        # keeps it except on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="plateread", name="plateread_camera_ts"),
            ],
            database_operations=[
                migrations.RunPython(_move_to_table, _move_back),
            ],
        ),
    ]
