"""Side files (``core.sqlite.base.SideFile``): where one lives, and that a database in memory
keeps none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from safecity.core.sqlite import base


def test_a_side_file_sits_beside_the_database_with_its_schema_in_the_name() -> None:
    assert base.side_path({"NAME": Path("/srv/sc/safecity.sqlite3")}, "plates") == Path(
        "/srv/sc/safecity.plates.sqlite3"
    )
    assert base.side_path({"NAME": "file:/srv/sc/test.db?mode=rwc"}, "plates") == Path(
        "/srv/sc/test.plates.db"
    )
    assert base.side_path({"NAME": "/srv/sc/data"}, "plates") == Path("/srv/sc/data.plates.sqlite3")


def test_a_database_in_memory_keeps_no_side_files() -> None:
    for name in (":memory:", "file:memorydb_default?mode=memory&cache=shared", ""):
        assert base.side_path({"NAME": name}, "plates") is None


def test_a_side_file_is_attached_read_only_whatever_characters_its_folder_has(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dữ liệu #1 ?%20"
    folder.mkdir()
    database = folder / "safecity.sqlite3"
    side = base.SideFile(
        schema="extra",
        create=("CREATE TABLE IF NOT EXISTS kept (n integer)",),
        clear=("DELETE FROM kept",),
    )
    settings_dict = {"NAME": database, "OPTIONS": {"timeout": 5}}
    base.register_side_file(side)
    try:
        conn = sqlite3.connect(database, isolation_level=None)
        base._attach_side_files(conn, settings_dict)
        with base.side_writer(settings_dict, "extra") as writer:
            writer.execute("INSERT INTO kept (n) VALUES (7)")
        assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO kept (n) VALUES (8)")
        conn.close()
    finally:
        base._side_files.pop("extra")
    assert (folder / "safecity.extra.sqlite3").exists()
