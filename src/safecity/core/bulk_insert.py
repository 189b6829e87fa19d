"""Many rows into one table, fast: the SQL built once per table and size, the values as
tuples in the columns' order, already as the driver takes them (the caller prepares them).

Django's ``bulk_create`` builds a model instance per row and compiles SQL for every few dozen
rows; on the plate feed that, not the database, was most of the time. On SQLite the rows go in
multi-row INSERTs of up to 1,000; elsewhere one ``executemany`` (or multi-row INSERTs with
``RETURNING id`` when the ids are needed). ``records.bulk`` does the same for rows given as
dictionaries of model values, adapting each by its field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def _insert_sql(model: type[Model], columns: Sequence[str], *, rows: int = 1) -> str:
    meta = model._meta
    quote = connection.ops.quote_name
    names = []
    for name in columns:
        model_field = meta.get_field(name)
        column = model_field.column if isinstance(model_field, Field) else name
        names.append(quote(column or name))
    one = "({})".format(", ".join(["%s"] * len(columns)))
    return "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608 - names from the model
        quote(meta.db_table), ", ".join(names), ", ".join([one] * rows)
    )


_sql_cache: dict[tuple[str, str, tuple[str, ...], int, bool], str] = {}
# Rows to one multi-row INSERT, at most. Each statement is a moment the storing thread gives up
# the GIL and must win it back from the request threads (up to 5 ms each): for plate reads,
# 1,000 rather than 200 gave 3-4 % more over HTTP with 4 and 8 clients.
ROWS_A_STATEMENT = 1000
# SQLite takes at most 32,766 values a statement (PostgreSQL 65,535).
_MAX_VALUES = 32_766


def chunks(
    rows: list[tuple[Any, ...]], most: int = ROWS_A_STATEMENT
) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in parts of ``most``, the rest in powers of two (137: 128, 8, 1): a handful of
    statement sizes, so that their SQL, its placeholder conversion and SQLite's prepared
    statement are all made once and reused."""
    start, left = 0, len(rows)
    while left:
        size = most if left >= most else 1 << (left.bit_length() - 1)
        yield rows[start : start + size]
        start += size
        left -= size


def _most(columns: Sequence[str]) -> int:
    return max(1, min(ROWS_A_STATEMENT, _MAX_VALUES // max(1, len(columns))))


def _cached_sql(
    model: type[Model], columns: Sequence[str], rows: int, *, returning: bool = False
) -> str:
    """The INSERT of ``rows`` rows (``RETURNING id`` if asked), built once: the same text each
    time also lets the SQLite backend's cursor reuse its placeholder conversion."""
    key = (connection.vendor, model._meta.db_table, tuple(columns), rows, returning)
    sql = _sql_cache.get(key)
    if sql is None:
        sql = _insert_sql(model, columns, rows=rows) + (" RETURNING id" if returning else "")
        _sql_cache[key] = sql
    return sql


def insert_rows(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (values in the order of ``columns``, model field names) with a handful of
    statements. On SQLite, multi-row INSERTs of up to 1,000 rows: ``executemany`` runs its
    statement once a row, and with ``AUTOINCREMENT`` each run also rewrites the table's
    sequence row (0.8 µs a row more, and the GIL taken back after every row). Elsewhere one
    ``executemany``."""
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.executemany(_cached_sql(model, columns, 1), rows)
            return
        for chunk in chunks(rows, _most(columns)):
            sql = _cached_sql(model, columns, len(chunk))
            cursor.execute(sql, list(chain.from_iterable(chunk)))


def insert_rows_returning_ids(
    model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows`` and give their ids in order: multi-row INSERT … RETURNING (SQLite 3.35+,
    PostgreSQL), the order Django's ``bulk_create`` relies on too."""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in chunks(rows, _most(columns)):
            sql = _cached_sql(model, columns, len(chunk), returning=True)
            cursor.execute(sql, list(chain.from_iterable(chunk)))
            ids += [row[0] for row in cursor.fetchall()]
    return ids
