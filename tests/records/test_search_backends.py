"""Both search backends behind one interface: SQLite FTS5 on the embedded default, PostgreSQL
full text with pg_trgm at city scale. The contract tests run on whichever database the suite
runs on (CI runs it on both); the backend-specific ones skip on the other."""

from __future__ import annotations

import pytest
from django.db import connection

from safecity.records.backends import (
    FTS_TABLE,
    PostgresBackend,
    SqliteFts5Backend,
    backend_for,
    corrections,
    name_variants,
)
from safecity.records.models import Person
from tests.records.conftest import person

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backend")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend")


@pytest.fixture
def residents(wards: object) -> dict[str, Person]:
    return {
        "an": person(full_name="Nguyễn Văn An", birth_date="1990", aliases="Ba An"),
        "hung": person(full_name="Nguyễn Văn Hùng", birth_date="1985"),
        "huynh": person(full_name="Lê Thị Huỳnh", birth_date="1985"),
    }


def test_it_picks_the_backend_of_the_database() -> None:
    backend = backend_for()

    expected = {"sqlite": SqliteFts5Backend, "postgresql": PostgresBackend}[connection.vendor]
    assert type(backend) is expected


def test_it_finds_every_word_in_any_order_including_aliases(residents: dict[str, Person]) -> None:
    backend = backend_for()

    assert backend.person_ids_with_tokens(["an", "nguyen"], limit=10) == [residents["an"].pk]
    assert backend.person_ids_with_tokens(["ba"], limit=10) == [residents["an"].pk]
    assert backend.person_ids_with_tokens(["nguyen", "y1985"], limit=10) == [residents["hung"].pk]
    assert backend.person_ids_with_tokens(["nguyen", "nobody"], limit=10) == []


def test_it_finds_a_name_one_typo_away(residents: dict[str, Person]) -> None:
    backend = backend_for()

    assert backend.person_ids_near_name(["nguyen", "van", "hunh"], limit=10) == [
        residents["hung"].pk
    ]
    assert backend.person_ids_near_name(["ngyuen", "van", "an"], limit=10) == [residents["an"].pk]
    assert backend.person_ids_near_name(["tran", "thi", "mai"], limit=10) == []


def test_it_follows_renames_and_deletions(residents: dict[str, Person]) -> None:
    backend = backend_for()
    an = residents["an"]

    Person.objects.filter(pk=an.pk).update(search_doc="nguyen van anh y1990")
    assert backend.person_ids_with_tokens(["anh"], limit=10) == [an.pk]
    assert backend.person_ids_with_tokens(["ba"], limit=10) == []
    Person.objects.filter(pk=an.pk).delete()
    assert backend.person_ids_with_tokens(["anh"], limit=10) == []


def test_it_corrects_a_word_against_the_vocabulary_of_names(residents: dict[str, Person]) -> None:
    assert set(corrections("hunh")) == {"hung", "huynh"}
    assert "nguyen" in corrections("ngyuen")  # two neighbours swapped
    assert corrections("xyzzy") == []
    # The word no name has is the typo: it is corrected first.
    assert set(name_variants(["nguyen", "van", "hunh"])[:2]) == {
        "nguyen van hung",
        "nguyen van huynh",
    }


@sqlite_only
def test_sqlite_keeps_an_fts5_index_filled_by_batch_and_by_trigger(
    residents: dict[str, Person],
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{FTS_TABLE}%"])
        names = {row[0] for row in cursor.fetchall()}
    assert {FTS_TABLE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"} <= names
    one_by_one = Person.objects.create(full_name="Tô Thị Mơ", search_doc="to thi mo")
    assert backend_for().person_ids_with_tokens(["mo"], limit=5) == [one_by_one.pk]


@sqlite_only
def test_sqlite_repairs_a_search_index_a_table_rebuild_dropped(
    residents: dict[str, Person],
) -> None:
    """A later migration that rebuilds records_person on SQLite drops its triggers; the
    post-migrate check puts them back and refills the index."""
    backend = backend_for()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_ai")
        cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 - a constant table name
    backend.ensure_schema()

    assert backend.person_ids_with_tokens(["hung"], limit=5) == [residents["hung"].pk]
    later = Person.objects.create(full_name="Tô Thị Mơ", search_doc="to thi mo")
    assert backend.person_ids_with_tokens(["mo"], limit=5) == [later.pk]


@postgres_only
def test_postgres_has_pg_trgm_and_the_text_indexes(residents: dict[str, Person]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == ("pg_trgm",)
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'records_person' "
            "AND indexname IN ('records_person_doc_fts', 'records_person_name_trgm')"
        )
        assert len(cursor.fetchall()) == 2


@postgres_only
def test_postgres_ranks_near_names_by_trigram_similarity(residents: dict[str, Person]) -> None:
    """Similar but more than one edit away ("nguyen van hu") is not a typo of a name."""
    backend = backend_for()

    assert backend.person_ids_near_name(["nguyen", "van", "hungg"], limit=5) == [
        residents["hung"].pk
    ]
    assert backend.person_ids_near_name(["nguyen", "van", "hu"], limit=5) == []
