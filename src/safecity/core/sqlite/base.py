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

Side files (``SideFile``): derived data an app keeps in a file of its own beside the database
("safecity.sqlite3" → "safecity.plates.sqlite3"), so that writing it never holds the
database's write lock. Every connection attaches each side file read-only, under its schema
name: queries read its tables by their plain names, in the same statement as the database's
own (SQLite finds a name in the main database first, then in attached ones), and a write
transaction on the database (``BEGIN IMMEDIATE`` locks every database attached for writing)
never waits for the side file's writer. Only ``side_writer`` writes it. A side file belongs to
one database: the database carries a random token (its header's ``application_id``) and so
does each side file; a side file with another token (the database was recreated) is emptied
when a connection opens. Flushing the database empties its side files too.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from django.db import OperationalError
from django.db.backends.sqlite3 import base, operations
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


def _timeout(settings_dict: dict[str, Any]) -> float:
    return float(settings_dict.get("OPTIONS", {}).get("timeout", 20))


def _take_turn(settings_dict: dict[str, Any]) -> threading.Lock:
    """Wait for this process's write turn on the database of ``settings_dict`` (up to its
    ``timeout`` option, 20 s); the lock now held."""
    lock = write_lock(settings_dict["NAME"])
    timeout = _timeout(settings_dict)
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


# --- Side files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideFile:
    """Derived data kept in a file beside the database (see the module's docstring)."""

    schema: str  # attached under this name; also the file's infix: "safecity.plates.sqlite3"
    create: tuple[str, ...]  # statements making its tables and indexes (IF NOT EXISTS)
    clear: tuple[str, ...]  # statements emptying them


_side_files: dict[str, SideFile] = {}
_META = "safecity_side_file"


def register_side_file(side: SideFile) -> None:
    """Attach ``side`` to every connection opened from now on (call from an app's ``ready``)."""
    _side_files[side.schema] = side


def _database_file(settings_dict: dict[str, Any]) -> Path | None:
    """The database's file; ``None`` for a database in memory (which keeps no side files)."""
    name = str(settings_dict["NAME"])
    if name.startswith("file:"):  # a URI: its path ends at the query
        if "mode=memory" in name:
            return None
        return Path(unquote(name.removeprefix("file:").split("?", 1)[0]))
    if not name or name == ":memory:":
        return None
    return Path(name)


def side_path(settings_dict: dict[str, Any], schema: str) -> Path | None:
    """The side file ``schema`` of the database of ``settings_dict`` ("safecity.sqlite3" →
    "safecity.plates.sqlite3"); ``None`` for a database in memory."""
    path = _database_file(settings_dict)
    if path is None:
        return None
    return path.with_name(f"{path.stem}.{schema}{path.suffix or '.sqlite3'}")


def side_in_use(connection: Any, schema: str) -> bool:
    """Whether ``connection``'s database keeps the side file ``schema`` (SQLite in a file,
    the side file registered): then every connection to it attaches the file."""
    return (
        connection.vendor == "sqlite"
        and schema in _side_files
        and _database_file(connection.settings_dict) is not None
    )


def _read_only(path: Path) -> str:
    """A URI opening ``path`` read-only (its "?", "#" and "%" escaped)."""
    return f"file:{quote(str(path))}?mode=ro"


def _open_side(path: Path, timeout: float) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _make_side(path: Path, side: SideFile, token: int, timeout: float) -> None:
    """Create ``side``'s tables in ``path`` if missing, and empty them if the file holds
    another database's token; then mark it as the database's (``token``)."""
    with contextlib.closing(_open_side(path, timeout)) as db, write_lock(path):
        db.execute(f"CREATE TABLE IF NOT EXISTS {_META} (token INTEGER NOT NULL)")
        for statement in side.create:
            db.execute(statement)
        row = db.execute(f"SELECT token FROM {_META}").fetchone()  # noqa: S608
        if row is None or row[0] != token:
            _empty(
                db,
                side,
                f"DELETE FROM {_META}",  # noqa: S608
                f"INSERT INTO {_META} (token) VALUES ({int(token)})",  # noqa: S608
            )


def _empty(db: sqlite3.Connection, side: SideFile, *then: str) -> None:
    """Empty ``side``'s tables on ``db`` (its writer), and run ``then``, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    for statement in (*side.clear, *then):
        db.execute(statement)
    db.execute("COMMIT")


def _database_token(conn: sqlite3.Connection) -> int:
    """The database's token (its header's ``application_id``), made on first use."""
    token = int(conn.execute("PRAGMA main.application_id").fetchone()[0])
    if token == 0:
        conn.execute(f"PRAGMA main.application_id = {secrets.randbelow(2**31 - 2) + 1}")
        token = int(conn.execute("PRAGMA main.application_id").fetchone()[0])
    return token


def _attach_side_files(conn: sqlite3.Connection, settings_dict: dict[str, Any]) -> None:
    if not _side_files or _database_file(settings_dict) is None:
        return
    token = _database_token(conn)
    for side in _side_files.values():
        path = side_path(settings_dict, side.schema)
        if path is None:
            continue
        if not path.exists():
            _make_side(path, side, token, _timeout(settings_dict))
        conn.execute("ATTACH DATABASE ? AS " + side.schema, [_read_only(path)])
        current = None
        with contextlib.suppress(sqlite3.Error):  # no such table: made below
            current = conn.execute(f"SELECT token FROM {side.schema}.{_META}").fetchone()  # noqa: S608
        if current is None or current[0] != token:
            _make_side(path, side, token, _timeout(settings_dict))


def clear_side_files(settings_dict: dict[str, Any]) -> None:
    """Empty every side file of the database of ``settings_dict``."""
    for side in _side_files.values():
        path = side_path(settings_dict, side.schema)
        if path is None or not path.exists():
            continue
        with side_writer(settings_dict, side.schema) as db:
            _empty(db, side)


@contextlib.contextmanager
def side_writer(settings_dict: dict[str, Any], schema: str) -> Iterator[sqlite3.Connection]:
    """A connection that writes the side file ``schema`` (its main database), with the
    database attached read-only as ``db``; autocommit. Holds this process's write turn on the
    side file (not the database's) while open."""
    name, path = _database_file(settings_dict), side_path(settings_dict, schema)
    if name is None or path is None:
        raise OperationalError(f"no side file {schema!r} for a database in memory")
    timeout = _timeout(settings_dict)
    lock = write_lock(path)
    if not lock.acquire(timeout=timeout):
        raise OperationalError(f"{path.name} is locked: no write turn within {timeout:g} s")
    try:
        with contextlib.closing(_open_side(path, timeout)) as db:
            # The tables, should the file have gone since the connections opened (no token:
            # the next connection to open checks it and takes it as the database's).
            for statement in _side_files[schema].create:
                db.execute(statement)
            db.execute("ATTACH DATABASE ? AS db", [_read_only(name)])
            yield db
    finally:
        lock.release()


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        """Flushing the database (``manage.py flush``, the tests between cases) empties its
        side files as well."""
        super().execute_sql_flush(sql_list)
        clear_side_files(self.connection.settings_dict)


# --- The backend ----------------------------------------------------------------------------------


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _holds_write_lock = False

    def get_new_connection(self, conn_params: Any) -> Any:
        conn = super().get_new_connection(conn_params)
        _attach_side_files(conn, self.settings_dict)
        return conn

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
