"""Search backends: one interface, one implementation per database.

Exact look-ups (identifiers, whole names by key or folded) are plain indexed columns and work
the same everywhere (``records.search``). What differs is the text index behind the two
looser tiers:

- **tokens**: persons whose names (or aliases) contain every word typed, in any order, with
  the filter tokens (``y1985``, ``w26734``, ``g1``) — SQLite FTS5 on the embedded default,
  PostgreSQL full text (``to_tsvector('simple', search_doc)``, GIN) at city scale;
- **near names** (one typo): SQLite corrects each word against the vocabulary of indexed name
  words (``NameToken``: Vietnamese names use a few thousand syllables, so the edit-distance-1
  neighbours of a word are found by a deletion index in microseconds) and looks the corrected
  names up by their indexed folded form; PostgreSQL ranks by trigram similarity (``pg_trgm``,
  GIN) on the folded name.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q

from safecity.records import bulk
from safecity.records.keys import within_one_edit
from safecity.records.models import NameToken, Person

FTS_TABLE = "records_person_fts"
# Fixed table and trigger names only; no value is ever put into these strings.
_INSERT_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON records_person BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}(rowid, search_doc) VALUES (new.id, new.search_doc); END"
)
# detail=none: the search asks only "does the document have every word", never for phrases or
# positions, so positions are not stored (a smaller index, faster writes).
_SQLITE_SCHEMA = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_doc, content='records_person', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', detail=none)",
    _INSERT_TRIGGER,
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON records_person BEGIN "  # noqa: S608
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_doc) "
    "VALUES ('delete', old.id, old.search_doc); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_doc ON records_person "  # noqa: S608
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_doc) "
    "VALUES ('delete', old.id, old.search_doc); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_doc) VALUES (new.id, new.search_doc); END",
)
_POSTGRES_SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS records_person_doc_fts ON records_person "
    "USING gin (to_tsvector('simple', search_doc))",
    "CREATE INDEX IF NOT EXISTS records_person_name_trgm ON records_person "
    "USING gin (name_fold gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS records_organisation_name_trgm ON records_organisation "
    "USING gin (name_fold gin_trgm_ops)",
)


class SearchBackend:
    """The text-index operations ``records.search`` needs; subclasses per database."""

    name = "orm"

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    @property
    def connection(self) -> Any:
        return connections[self.alias]

    def ensure_schema(self) -> None:
        """Create what the index needs (idempotent); rebuild it if it was missing."""

    def drop_schema(self) -> None:
        """Remove it (a migration's reverse)."""

    def rebuild(self) -> None:
        """Re-index every person from ``search_doc``."""

    def insert_persons(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert new persons (each row with its ``id``) and index them; inside the batch's
        transaction."""
        bulk.insert(Person, rows, with_ids=True)

    def person_ids_with_tokens(self, words: Sequence[str], *, limit: int) -> list[int]:
        """Ids of persons whose search document has every word (at most ``limit``)."""
        query = Q()
        for word in words:
            query &= Q(search_doc__contains=word)
        ids = Person.objects.using(self.alias).filter(query).values_list("id", flat=True)
        return list(ids[:limit])

    def person_ids_near_name(self, folded_words: Sequence[str], *, limit: int) -> list[int]:
        """Ids of persons whose folded name is one typo away from ``folded_words``, the
        likeliest first. The default corrects word by word against the vocabulary."""
        variants = name_variants(folded_words, alias=self.alias)
        field = "name_fold" if len(folded_words) > 1 else "given_fold"
        active = Person.objects.using(self.alias).filter(merged_into__isnull=True)
        found: list[int] = []
        # Likeliest correction first, each an index look-up; a common wrong correction must not
        # crowd out a likelier one, so they are not fetched together.
        for variant in variants:
            rows = active.filter(**{field: variant}).values_list("id", flat=True)
            found.extend(rows[: limit - len(found)])
            if len(found) >= limit:
                break
        return found


class SqliteFts5Backend(SearchBackend):
    """FTS5 over ``records_person.search_doc`` (external content, kept by triggers, so bulk
    inserts are indexed too)."""

    name = "sqlite-fts5"

    def _has_index(self, cursor: Any) -> bool:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
            [FTS_TABLE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"],
        )
        return int(cursor.fetchone()[0]) == 4

    def ensure_schema(self) -> None:
        with self.connection.cursor() as cursor:
            if self._has_index(cursor):
                return
            for statement in _SQLITE_SCHEMA:
                cursor.execute(statement)
        self.rebuild()

    def drop_schema(self) -> None:
        with self.connection.cursor() as cursor:
            for suffix in ("_ai", "_ad", "_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")

    def rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608

    def insert_persons(self, rows: Sequence[dict[str, Any]]) -> None:
        """The insert trigger indexes one row per FTS5 call, which costs ~40 times what one
        ``INSERT … SELECT`` of the whole batch does (measured: 0.5 s against 0.013 s for
        10,000 persons). So a batch lifts the trigger, inserts, indexes the batch's ids in
        one statement and puts the trigger back — all inside the batch's transaction (DDL is
        transactional in SQLite), so no other writer ever sees the table without it."""
        if not rows:
            return
        ids = [row["id"] for row in rows]
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai")
            bulk.insert(Person, rows, with_ids=True)
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, search_doc) "  # noqa: S608 - fixed names
                "SELECT id, search_doc FROM records_person WHERE id BETWEEN %s AND %s",
                [min(ids), max(ids)],
            )
            cursor.execute(_INSERT_TRIGGER)

    def person_ids_with_tokens(self, words: Sequence[str], *, limit: int) -> list[int]:
        if not words:
            return []
        # Every word quoted: FTS5 reads the bare words AND, OR, NOT, NEAR as operators.
        match = " ".join(f'"{w}"' for w in words if '"' not in w)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",  # noqa: S608
                [match, limit],
            )
            return [row[0] for row in cursor.fetchall()]


class PostgresBackend(SearchBackend):
    """Full text on ``search_doc`` and trigram similarity on ``name_fold`` (pg_trgm)."""

    name = "postgresql-fts-trgm"

    def ensure_schema(self) -> None:
        with self.connection.cursor() as cursor:
            for statement in _POSTGRES_SCHEMA:
                cursor.execute(statement)

    def drop_schema(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS records_person_doc_fts")
            cursor.execute("DROP INDEX IF EXISTS records_person_name_trgm")
            cursor.execute("DROP INDEX IF EXISTS records_organisation_name_trgm")

    def rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("REINDEX INDEX records_person_doc_fts")
            cursor.execute("REINDEX INDEX records_person_name_trgm")

    def person_ids_with_tokens(self, words: Sequence[str], *, limit: int) -> list[int]:
        if not words:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM records_person WHERE to_tsvector('simple', search_doc) "
                "@@ plainto_tsquery('simple', %s) LIMIT %s",
                [" ".join(words), limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def person_ids_near_name(self, folded_words: Sequence[str], *, limit: int) -> list[int]:
        if len(folded_words) < 2:
            # One word is too short for trigrams to rank well: correct it like SQLite does.
            return super().person_ids_near_name(folded_words, limit=limit)
        folded = " ".join(folded_words)
        threshold = str(settings.SAFECITY_RECORDS_TRGM_PERCENT / 100)
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [threshold]
            )
            cursor.execute(
                "SELECT id, name_fold FROM records_person "
                "WHERE name_fold %% %s AND merged_into_id IS NULL "
                "ORDER BY similarity(name_fold, %s) DESC, id LIMIT %s",
                [folded, folded, limit * 10],
            )
            rows = cursor.fetchall()
        # Similar is not the same as one typo ("nguyen van an" ~ "nguyen van hung"): keep the
        # names one edit away, as the SQLite backend's corrections are.
        return [pk for pk, name in rows if within_one_edit(folded, name)][:limit]


def backend_for(alias: str = "default") -> SearchBackend:
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return SqliteFts5Backend(alias)
    if vendor == "postgresql":
        return PostgresBackend(alias)
    return SearchBackend(alias)


# --- The vocabulary of name words, for one-typo corrections -----------------------------------

_VOCABULARY_TTL_SECONDS = 60.0
_vocabulary_lock = threading.Lock()
_vocabulary: dict[str, tuple[float, dict[str, int], dict[str, set[str]]]] = {}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def vocabulary_reset() -> None:
    """Forget the remembered vocabulary (after an import in this process)."""
    with _vocabulary_lock:
        _vocabulary.clear()


def _load_vocabulary(alias: str) -> tuple[dict[str, int], dict[str, set[str]]]:
    now = time.monotonic()
    cached = _vocabulary.get(alias)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    counts = dict(NameToken.objects.using(alias).values_list("token", "count"))
    index: dict[str, set[str]] = defaultdict(set)
    for word in counts:
        index[word].add(word)
        for deletion in _deletions(word):
            index[deletion].add(word)
    with _vocabulary_lock:
        _vocabulary[alias] = (now + _VOCABULARY_TTL_SECONDS, counts, dict(index))
    return counts, index


def corrections(word: str, *, alias: str = "default") -> list[str]:
    """Known name words one edit from ``word`` (not ``word`` itself), commonest first."""
    counts, index = _load_vocabulary(alias)
    found: set[str] = set(index.get(word, ()))
    for deletion in _deletions(word):
        found |= index.get(deletion, set())
        if deletion in counts:
            found.add(deletion)
    found.discard(word)
    near = [w for w in found if within_one_edit(word, w)]
    return sorted(near, key=lambda w: (-counts.get(w, 0), w))


def name_variants(words: Sequence[str], *, alias: str = "default", cap: int = 60) -> list[str]:
    """Whole folded names with exactly one word corrected, likeliest first: the rarer a typed
    word (one no name has, first), the likelier it is the typo; of its corrections, the
    commoner word first. At most ``cap``."""
    scored: list[tuple[int, int, int, str]] = []
    counts, _index = _load_vocabulary(alias)
    for position, word in enumerate(words):
        for fixed in corrections(word, alias=alias):
            variant = [*words[:position], fixed, *words[position + 1 :]]
            scored.append((counts.get(word, 0), -counts.get(fixed, 0), position, " ".join(variant)))
    scored.sort()
    seen: dict[str, None] = {}
    for entry in scored:
        seen.setdefault(entry[3], None)
    return list(seen)[:cap]
