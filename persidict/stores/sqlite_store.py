"""SqliteStore: names are rows of one SQLite file in WAL mode, for many processes
on one machine (never over NFS: SQLite's locks rely on POSIX locks that network
file systems break)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from ..errors import StoreError
from ._base import ItemInfo, Store
from ._name_locks import name_lock

BUSY_TIMEOUT = 60.0  # seconds a writer waits for another one before failing
_CHUNK = 1000  # rows fetched per listing query
_COLUMNS = "name, mtime, etag, size"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY, mtime REAL NOT NULL,"
           " etag TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL)")
_BY_TIME = "CREATE INDEX IF NOT EXISTS items_by_time ON items (mtime, name)"
_WRITE = "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)"
_CREATE = "INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?, ?)"

_inherited: list[sqlite3.Connection] = []  # a forked child's copies, kept open, never used
_forks = [0]  # how many forks this process descends through: a connection never crosses one
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


def _new_etag() -> str:
    return f"{time.time_ns():x}-{os.urandom(4).hex()}"


def _after(prefix: str) -> str:
    """The least string above every string that starts with ``prefix`` (non-empty,
    ending below U+10FFFF)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class _Database:
    """The file and its connections (one per thread and process), shared by a
    store and its substores."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.locks_dir = path + ".locks"
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.forks != _forks[0]:
            if conn is not None:  # the parent's: closing it here could disturb the parent
                _inherited.append(conn)
            conn = self._connect()
            local.conn, local.forks = conn, _forks[0]
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open SQLite file {self.path!r}: {e}") from e
        try:
            # Checked before anything is written: a foreign file stays as it was.
            columns = [row[1] for row in conn.execute("PRAGMA table_info(items)")]
            if columns not in ([], ["name", "mtime", "etag", "size", "data"]):
                conn.close()
                raise ValueError(f"{self.path!r} has a table 'items' that is not persidict's"
                                 f" (columns {columns})")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against crashed processes
            conn.execute(_SCHEMA)
            conn.execute(_BY_TIME)
        except sqlite3.OperationalError as e:  # e.g. locked for longer than BUSY_TIMEOUT
            conn.close()
            raise StoreError(f"cannot open SQLite file {self.path!r}: {e}") from e
        except sqlite3.DatabaseError as e:
            conn.close()
            raise ValueError(f"{self.path!r} is not a SQLite database of persidict: {e}") from e
        return conn

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]


class SqliteStore(Store):
    """Names are rows of the table ``items`` in the SQLite file ``path``.

    WAL mode lets readers run beside one writer; writers wait for each other up
    to :data:`BUSY_TIMEOUT`. Every operation is one SQL statement (conditional
    ones are ``UPDATE``/``DELETE ... WHERE etag = ?``, ``INSERT OR IGNORE``), so
    each is atomic across processes; batches run in one ``BEGIN IMMEDIATE``
    transaction. ``lock`` flocks a file in the folder ``path + ".locks"``.
    Each thread and process opens its own connection (a forked child too).

    >>> import tempfile
    >>> store = SqliteStore(tempfile.mkdtemp() + "/items.db")
    >>> store.create("a/b.pkl", b"1"), store.create("a/b.pkl", b"2")
    (True, False)
    >>> store.substore("a").read("b.pkl"), list(store.dirs())
    (b'1', ['a'])

    Raises:
        TypeError: if ``path`` is not a path.
        ValueError: if ``path`` is a folder, or a file that is not such a database.

    ``create=False`` makes no file until :meth:`make_file`.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 _db: _Database | None = None, _prefix: str = "") -> None:
        if _db is None:
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"path must be a path, not {type(path).__name__}")
            full = os.path.abspath(os.fspath(path))
            if os.path.isdir(full):
                raise ValueError(f"SQLite path {full!r} is a folder, not a file")
            _db = _Database(full)
        self._db = _db
        self._prefix = _prefix
        if create or os.path.exists(_db.path):
            self.make_file()  # fails now if the file is not a database

    def make_file(self) -> None:
        """Create the file (and its folder) if missing, and check it is a database."""
        os.makedirs(os.path.dirname(self._db.path), exist_ok=True)
        self._db.connection()

    @property
    def path(self) -> str:
        """The SQLite file."""
        return self._db.path

    @property
    def prefix(self) -> str:
        """What the names of this (sub)store start with in the table (ends with "/")."""
        return self._prefix

    @property
    def url(self) -> str:
        return f"sqlite://{self._db.path}/{self._prefix}"  # names inside the file

    def _run(self, sql: str, args: tuple[Any, ...], name: str = "") -> sqlite3.Cursor:
        try:
            return self._db.connection().execute(sql, args)
        except sqlite3.Error as e:
            raise self._failure(sql, name, e) from e

    def _failure(self, sql: str, name: str, error: sqlite3.Error) -> StoreError:
        what = sql.split(" ", 1)[0]
        return StoreError(f"SQLite {what} of {self._prefix + name!r} in {self._db.path!r}"
                          f" failed: {error}")

    # reading

    def read(self, name: str) -> bytes:
        row = self._run("SELECT data FROM items WHERE name = ?", (self._prefix + name,),
                        name).fetchone()
        if row is None:
            raise KeyError(name)
        return row[0]  # type: ignore[no-any-return]

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        row = self._run("SELECT mtime, etag, size, data FROM items WHERE name = ?",
                        (self._prefix + name,), name).fetchone()
        if row is None:
            raise KeyError(name)
        return row[3], ItemInfo(name, row[0], row[1], row[2])

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        """One query, which returns the bytes only if the etag differs."""
        row = self._run("SELECT mtime, etag, size, CASE WHEN etag = ? THEN NULL ELSE data END"
                        " FROM items WHERE name = ?", (etag, self._prefix + name),
                        name).fetchone()
        if row is None:
            raise KeyError(name)
        if row[3] is None:
            return None
        return row[3], ItemInfo(name, row[0], row[1], row[2])

    def stat(self, name: str) -> ItemInfo:
        row = self._run("SELECT mtime, etag, size FROM items WHERE name = ?",
                        (self._prefix + name,), name).fetchone()
        if row is None:
            raise KeyError(name)
        return ItemInfo(name, row[0], row[1], row[2])

    def exists(self, name: str) -> bool:
        return self._run("SELECT 1 FROM items WHERE name = ?", (self._prefix + name,),
                         name).fetchone() is not None

    # writing: each one statement, hence atomic

    def _row(self, name: str, data: bytes) -> tuple[str, float, str, int, bytes]:
        return self._prefix + name, time.time(), _new_etag(), len(data), bytes(data)

    def write(self, name: str, data: bytes) -> str:
        row = self._row(name, data)
        self._run(_WRITE, row, name)
        return row[2]

    def create(self, name: str, data: bytes) -> bool:
        return self._run(_CREATE, self._row(name, data), name).rowcount == 1

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        full, mtime, new_etag, size, blob = self._row(name, data)
        return self._run("UPDATE items SET mtime = ?, etag = ?, size = ?, data = ?"
                         " WHERE name = ? AND etag = ?",
                         (mtime, new_etag, size, blob, full, etag), name).rowcount == 1

    def delete(self, name: str) -> None:
        if self._run("DELETE FROM items WHERE name = ?", (self._prefix + name,),
                     name).rowcount == 0:
            raise KeyError(name)

    def delete_if(self, name: str, etag: str) -> bool:
        return self._run("DELETE FROM items WHERE name = ? AND etag = ?",
                         (self._prefix + name, etag), name).rowcount == 1

    def _in_one_transaction(self, sql: str, rows: list[tuple[Any, ...]]) -> list[int]:
        """Run ``sql`` once per row inside one ``BEGIN IMMEDIATE``; the row counts."""
        conn = self._db.connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                counts = [conn.execute(sql, row).rowcount for row in rows]
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise self._failure(sql, rows[0][0][len(self._prefix):] if rows else "", e) from e
        return counts

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """One transaction for the whole batch."""
        rows = [self._row(name, data) for name, data in items]
        if rows:
            self._in_one_transaction(_WRITE, rows)

    def create_many(self, items: Iterable[tuple[str, bytes]]) -> list[str]:
        """One transaction for the whole batch."""
        rows = [self._row(name, data) for name, data in items]
        counts = self._in_one_transaction(_CREATE, rows) if rows else []
        cut = len(self._prefix)
        return [row[0][cut:] for row, count in zip(rows, counts, strict=True) if count == 0]

    def delete_many(self, names: Iterable[str]) -> None:
        """One transaction for the whole batch."""
        rows = [(self._prefix + name,) for name in names]
        if rows:
            self._in_one_transaction("DELETE FROM items WHERE name = ?", rows)

    # listing: range scans of the name index, in byte order (so each folder's
    # index names come before its other names)

    def _range(self, columns: str, start: str = "") -> Iterator[tuple[Any, ...]]:
        """Rows of ``columns`` of the names under this store's prefix from ``start``
        on, in name order, fetched a chunk at a time (no transaction stays open)."""
        low = self._prefix + start
        high = _after(self._prefix) if self._prefix else None
        bound, op = low, ">="
        while True:
            where = f"name {op} ?" + (" AND name < ?" if high else "")
            args = (bound, high) if high else (bound,)
            rows = self._run(f"SELECT {columns} FROM items WHERE {where} ORDER BY name"
                             f" LIMIT {_CHUNK}", args).fetchall()
            yield from rows
            if len(rows) < _CHUNK:
                return
            bound, op = rows[-1][0], ">"

    def names(self, suffix: str = "") -> Iterator[str]:
        cut = len(self._prefix)
        for (name,) in self._range("name"):
            if name.endswith(suffix):
                yield name[cut:]

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        cut = len(self._prefix)
        for name, mtime, etag, size in self._range(_COLUMNS):
            if name.endswith(suffix):
                yield ItemInfo(name[cut:], mtime, etag, size)

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        """One scan of the names."""
        for folder, leaves, _ in self._by_folder("name", suffix):
            yield folder, leaves

    def mtimes_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str], list[float]]]:
        """One scan of names and mtimes."""
        return self._by_folder("name, mtime", suffix)

    def _by_folder(self, columns: str, suffix: str
                   ) -> Iterator[tuple[str, list[str], list[float]]]:
        """Names (and mtimes, if ``columns`` has them) grouped by folder, in name order."""
        cut = len(self._prefix)
        folder, leaves, mtimes = "", list[str](), list[float]()
        with_mtime = columns != "name"
        for row in self._range(columns):
            name = row[0]
            if suffix and not name.endswith(suffix):
                continue
            parent, _, leaf = name[cut:].rpartition("/")
            if parent != folder and leaves:
                yield folder, leaves, mtimes
                leaves, mtimes = [], []
            folder = parent
            leaves.append(leaf)
            if with_mtime:
                mtimes.append(row[1])
        if leaves:
            yield folder, leaves, mtimes

    def names_by_time(self, suffix: str = "", *, newest: bool = True
                      ) -> Iterator[tuple[str, float]]:
        """A walk of the ``(mtime, name)`` index, in growing chunks."""
        return self._by_time(suffix, "DESC" if newest else "ASC")

    def _by_time(self, suffix: str, order: str) -> Iterator[tuple[str, float]]:
        cut, chunk = len(self._prefix), 16
        where = "name >= ? AND name < ?" if self._prefix else "1"
        bounds: tuple[Any, ...] = (self._prefix, _after(self._prefix)) if self._prefix else ()
        after = ""
        while True:
            rows = self._run(f"SELECT name, mtime FROM items WHERE {where}{after}"
                             f" ORDER BY mtime {order}, name {order} LIMIT {chunk}",
                             bounds).fetchall()
            for name, mtime in rows:
                if name.endswith(suffix):
                    yield name[cut:], mtime
            if len(rows) < chunk:
                return
            after = f" AND (mtime, name) {'<' if order == 'DESC' else '>'} (?, ?)"
            bounds = (*bounds[:2], rows[-1][1], rows[-1][0]) if self._prefix \
                else (rows[-1][1], rows[-1][0])
            chunk = min(2 * chunk, _CHUNK)

    def _entries(self, start: str) -> Iterator[str]:
        """The entries of the top of this store from ``start`` on, in byte order: a
        name, or a folder (``"x/"``) once, by seeking past each folder's names."""
        cut = len(self._prefix)
        while True:
            for (name,) in self._range("name", start):
                head, slash, _ = name[cut:].partition("/")
                yield head + slash
                if slash:
                    start = head + "0"  # "0" follows "/": past every name in head/
                    break
            else:
                return

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        """A seek per subfolder: names below a subfolder are not read."""
        below = self.substore(folder) if folder else self
        found = []
        for entry in below._entries(max(starts_with, after)):
            if not entry.startswith(starts_with):
                break
            if "#" not in entry and entry > after:
                found.append(entry)
        yield found, False

    def dirs(self) -> Iterator[str]:
        return (e[:-1] for e in self._entries("") if e.endswith("/") and "#" not in e)

    def substore(self, dir_name: str) -> SqliteStore:
        return SqliteStore(self._db.path, _db=self._db, _prefix=self._prefix + dir_name + "/")

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        return name_lock(self._db.locks_dir, self._prefix + name, timeout)
