"""On SQLite the reads' index by plate and camera moves to a file of its own beside the
database ("safecity.plates.sqlite3", ``cameras.plate_index``), so that indexing never holds
the database's write lock. The database's copy is dropped; the new file starts empty and the
background merger indexes every stored read again (until it has, queries scan the reads past
its watermark, as they always do). Nothing changes on PostgreSQL."""

from typing import Any

from django.db import migrations

_TABLE = "cameras_platereadindex"


def _attached(schema_editor: Any) -> bool:
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        return "plates" in {row[1] for row in cursor.fetchall()}


def _drop_from_database(apps: Any, schema_editor: Any) -> None:
    if _attached(schema_editor):
        schema_editor.execute(f"DROP TABLE IF EXISTS main.{_TABLE}")


def _back_into_database(apps: Any, schema_editor: Any) -> None:
    if not _attached(schema_editor):
        return
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS main.{_TABLE} (id integer NOT NULL PRIMARY KEY, "
        "plate_key varchar(20) NOT NULL, ts datetime NOT NULL, camera_id integer NOT NULL)"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS main.platereadindex_plate_ts ON {_TABLE} (plate_key, ts)"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS main.platereadindex_camera_ts ON {_TABLE} (camera_id, ts)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0003_camera_index"),
    ]

    operations = [migrations.RunPython(_drop_from_database, _back_into_database)]
