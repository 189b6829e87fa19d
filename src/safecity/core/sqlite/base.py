"""Django's SQLite backend, with one in-process queue for write transactions.

Transactions begin ``IMMEDIATE`` (they take SQLite's write lock at BEGIN). When the lock is
taken, SQLite's busy handler sleeps and retries with growing pauses (up to 100 ms a try), so
under many concurrent writers a transaction can wait seconds although the lock was free most
of that time. Here, writers of one process first queue on a ``threading.Lock`` per database
file, acquired before BEGIN and released at COMMIT/ROLLBACK (or when the connection closes):
they run back to back in arrival order, and SQLite's busy timeout only arbitrates between
processes (the worker, management commands).

Its cursors also remember the conversion of a query's ``%s`` placeholders to SQLite's ``?``
(``CursorWrapper``).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX, SQLiteCursorWrapper

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def write_lock(name: Any) -> threading.Lock:
    key = str(name)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
        return lock


def _take_turn(settings_dict: dict[str, Any]) -> threading.Lock:
    """Wait for this process's write turn on the database of ``settings_dict`` (up to its
    ``timeout`` option, 20 s); the lock now held."""
    lock = write_lock(settings_dict["NAME"])
    timeout = float(settings_dict.get("OPTIONS", {}).get("timeout", 20))
    if not lock.acquire(timeout=timeout):
        raise OperationalError(
            f"database is locked: no write turn within {timeout:g} s in this process"
        )
    return lock


@contextlib.contextmanager
def write_turn(connection: Any) -> Iterator[None]:
    """Hold this process's write turn for ``connection``'s database around statements that run
    in autocommit (each its own transaction), without BEGIN … COMMIT."""
    lock = _take_turn(connection.settings_dict)
    try:
        yield
    finally:
        lock.release()


def tune_for_bulk_writes(connection: Any) -> None:
    """Give ``connection`` (a Django SQLite connection that writes many rows a transaction: the
    plate feed, the plate index) a bigger page cache and fewer, larger WAL checkpoints. A
    commit that leaves the WAL past ``wal_autocheckpoint`` pages runs a checkpoint there and
    then; with SQLite's defaults (2 MB cache, a checkpoint every 1,000 pages) nearly every
    batch of plate reads ran one and the feed was a third as fast. Other connections keep
    the defaults."""
    connection.ensure_connection()
    raw = connection.connection
    if raw is None or id(raw) in _tuned:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -32768")  # 32 MB
        cursor.execute("PRAGMA wal_autocheckpoint = 16000")  # ~64 MB of WAL
    _tuned.add(id(raw))  # a reused id only skips the tuning: no harm


_tuned: set[int] = set()


# Queries longer than this are converted each time instead of remembered.
_QMARK_CACHE_CHARS = 131_072


@functools.lru_cache(maxsize=512)
def _qmark(query: str) -> str:
    return FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(SQLiteCursorWrapper):
    """Django's SQLite cursor, remembering each query's placeholders converted (``%s`` to ``?``).

    Django converts every query with a regular expression each time it runs: 250 µs for a
    multi-row INSERT of 200 plate reads (3,400 placeholders), more than SQLite takes to store
    them. The same text converts the same way, so the result is kept (the 512 latest
    queries under 128 KB: a 1,000-row INSERT of reads is 75 KB)."""

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and len(query) <= _QMARK_CACHE_CHARS:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _write_lock(self) -> threading.Lock:
        return write_lock(self.settings_dict["NAME"])

    def _start_transaction_under_autocommit(self) -> None:
        if not self._holds_write_lock:
            _take_turn(self.settings_dict)
            self._holds_write_lock = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in django-stubs
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            self._write_lock().release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._release_write_lock()
