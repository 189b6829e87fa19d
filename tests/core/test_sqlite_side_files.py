"""Side files (``core.sqlite.base.SideFile``): where one lives, and that a database in memory
keeps none."""

from __future__ import annotations

from pathlib import Path

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
