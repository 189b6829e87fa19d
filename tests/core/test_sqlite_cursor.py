"""The SQLite backend's cursor remembers each query's placeholder conversion: the remembered
conversion must give what Django's own would, every time, for every style of query."""

from __future__ import annotations

import pytest
from django.db import connection

from safecity.core.sqlite import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's cursor"),
]


def test_a_query_run_again_converts_as_the_first_time() -> None:
    sql = "SELECT %s || '%%' || %s, %s"
    with connection.cursor() as cursor:
        for n in range(3):
            cursor.execute(sql, ["a", str(n), n])
            assert cursor.fetchone() == ("a%" + str(n), n)
    assert base._qmark.cache_info().hits >= 2


def test_named_parameters_and_long_queries_are_converted_each_time() -> None:
    rows = ", ".join(["(%s)"] * 30_000)  # longer than the remembered limit
    sql = f"SELECT count(*), sum(column1), '%%' FROM (VALUES {rows})"  # noqa: S608 - placeholders
    assert len(sql) > base._QMARK_CACHE_CHARS
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(a)s + %(b)s", {"a": 2, "b": 3})
        assert cursor.fetchone() == (5,)
        cursor.execute(sql, list(range(30_000)))
        assert cursor.fetchone() == (30_000, sum(range(30_000)), "%")
