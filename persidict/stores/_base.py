"""The store surface: bytes by name. Every backend implements exactly this."""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

R = TypeVar("R")
T = TypeVar("T")

UNKNOWN_ETAG = ""
"""What :meth:`Store.create_tagged` / :meth:`Store.replace_tagged` return for a write
that was made when the store did not learn its etag: never an etag to remember."""

INDEX_DIR = "#index"
"""Internal folders of this name hold a policy's listing-readable index of the items
of the folder they are in (ttl.py keeps per-item expiries there). Listings report
their names as the group ``<folder>/#index`` (a folder no key can have), before any
name of ``<folder>`` itself, so one listing carries both."""


def in_index(name: str) -> bool:
    """Whether ``name`` (which contains ``#``) lies in an :data:`INDEX_DIR` folder."""
    return name.startswith(INDEX_DIR + "/") or f"/{INDEX_DIR}/" in name


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What a store knows about one stored object without reading it."""

    name: str
    mtime: float  # POSIX seconds of the last write
    etag: str  # changes on every write
    size: int


class Store(ABC):
    """Bytes by name: the only layer that does I/O.

    A name is a relative path of ``/``-separated parts drawn from the key
    alphabet (so never ``.``, ``..`` or an internal name), or a name in an
    :data:`INDEX_DIR` folder, which listings also report. The store knows
    nothing of keys, formats or values. Every single-name operation is atomic:
    readers see the old bytes or the new ones. Missing names raise
    ``KeyError(name)``; conditional operations return ``False`` when their
    condition does not hold; anything else that fails raises.
    """

    content_md5_in_listing = False  # whether listed etags are the MD5 of the bytes

    @property
    @abstractmethod
    def url(self) -> str:
        """Where the names live, as a URL."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.url == self.url  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def object_id(self, name: str) -> str:
        """``name`` as an identity shared by every store that reaches that object and
        by no other object (what a cache shared by many stores keys on)."""
        return json.dumps([self.url, name])

    def check_name(self, name: str) -> None:  # noqa: B027 - most stores hold any name
        """Raise ``ValueError`` if this store cannot hold ``name`` (too long for it)."""

    @abstractmethod
    def read(self, name: str) -> bytes:
        """Return the bytes stored under ``name``."""

    @abstractmethod
    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        """Return the bytes and the info of the same version, atomically."""

    def read_with_mtime(self, name: str) -> tuple[bytes, float]:
        """Return the bytes and the mtime of the same version (``read_with_info``
        without building the etag)."""
        data, info = self.read_with_info(name)
        return data, info.mtime

    @abstractmethod
    def stat(self, name: str) -> ItemInfo:
        """Return the info of ``name`` without reading it."""

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        """Return the bytes and info of ``name`` unless its etag is still ``etag``
        (then ``None``), with the cheapest check the store has (here one ``stat``)."""
        if self.stat(name).etag == etag:
            return None
        return self.read_with_info(name)

    def change_check(self, name: str, etag: str) -> Callable[[], tuple[bytes, ItemInfo] | None]:
        """A function of no arguments doing ``read_if_changed(name, etag)``, prepared
        once and called often (a cache checks each hit with it), so that a store can
        make the unchanged case as cheap as its cheapest call."""
        return functools.partial(self.read_if_changed, name, etag)

    def mtime(self, name: str) -> float:
        """Return the POSIX time of the last write of ``name`` (as ``stat(name).mtime``)."""
        return self.stat(name).mtime

    def exists(self, name: str) -> bool:
        """Whether ``name`` is stored."""
        try:
            self.stat(name)
        except KeyError:
            return False
        return True

    @abstractmethod
    def write(self, name: str, data: bytes) -> str:
        """Store ``data`` under ``name`` (replacing it); return the new etag."""

    @abstractmethod
    def create(self, name: str, data: bytes) -> bool:
        """Store ``data`` only if ``name`` is absent; return whether it did."""

    @abstractmethod
    def replace(self, name: str, data: bytes, etag: str) -> bool:
        """Store ``data`` only if the current etag of ``name`` is ``etag``."""

    def create_tagged(self, name: str, data: bytes) -> str | None:
        """:meth:`create` returning the new etag (``None`` if ``name`` existed), or
        :data:`UNKNOWN_ETAG` from a store that does not learn it from the write."""
        return UNKNOWN_ETAG if self.create(name, data) else None

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        """:meth:`replace` returning the new etag (``None`` if the condition failed),
        or :data:`UNKNOWN_ETAG` (see :meth:`create_tagged`)."""
        return UNKNOWN_ETAG if self.replace(name, data, etag) else None

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove ``name``."""

    @abstractmethod
    def delete_if(self, name: str, etag: str) -> bool:
        """Remove ``name`` only if its current etag is ``etag``."""

    @abstractmethod
    def names(self, suffix: str = "") -> Iterator[str]:
        """Yield every stored name ending with ``suffix``, in no set order."""

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        """Yield ``(folder, leaves)``: the names ending with ``suffix``, grouped by
        what comes before their last ``/`` (``""`` at the top).

        A folder may come more than once. Listing keys this way checks each
        folder once, not once per name.
        """
        folder, leaves = "", list[str]()
        for name in self.names(suffix):
            parent, _, leaf = name.rpartition("/")
            if parent != folder:
                if leaves:
                    yield folder, leaves
                folder, leaves = parent, []
            leaves.append(leaf)
        if leaves:
            yield folder, leaves

    def mtimes_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str], list[float]]]:
        """As :meth:`names_by_folder`, with the mtime of each leaf (what time-ordered
        listings need, without building an :class:`ItemInfo` per name)."""
        for folder, infos in infos_by_folder(self.infos(suffix)):
            yield folder, [i.name.rpartition("/")[2] for i in infos], [i.mtime for i in infos]

    def names_by_time(self, suffix: str = "", *, newest: bool = True
                      ) -> Iterator[tuple[str, float]] | None:
        """``(name, mtime)`` newest (or oldest) first, lazily; ``None``: name order only."""
        return None

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        """Yield the entries of one folder in byte order, in chunks ``(entries, more)``.

        An entry is a name directly in ``folder`` (``""``: the top), or a subfolder
        holding names, written with a trailing ``/``. Only entries that start with
        ``starts_with`` and sort after ``after`` come, each once, sorted as ``str``
        (byte order) across all chunks; nothing below a subfolder is listed.
        ``more`` says whether another chunk follows: pulling it may cost a request
        (a LIST page on S3), so a caller that has what it needs stops before. This
        default sorts what :meth:`names` lists below ``folder``, in one chunk.
        """
        below = self.substore(folder) if folder else self
        found = set()
        for name in below.names():
            head, slash, _ = name.partition("/")
            entry = head + slash
            if "#" not in entry and entry.startswith(starts_with) and entry > after:
                found.add(entry)
        yield sorted(found), False

    def sorted_names(self, folder: str, after: str = "") -> Iterator[str]:
        """Yield every name below the internal folder ``folder`` (relative to it),
        in byte order, lazily: only those sorting after ``after``. Time-ordered logs
        (history.py) read their newest entries this way and stop early. This
        default walks :meth:`folder_entries` one level at a time."""
        for entries, _ in self.folder_entries(folder):
            for entry in entries:
                if not entry.endswith("/"):
                    if entry > after:
                        yield entry
                elif entry >= after[:len(entry)]:
                    below = after[len(entry):] if after.startswith(entry) else ""
                    for name in self.sorted_names(folder + "/" + entry[:-1], below):
                        yield entry + name

    def folder_infos(self, folder: str, leaves: list[str], *,
                     index: bool = False) -> Iterator[ItemInfo]:
        """The infos of the names ``leaves`` (sorted) directly in ``folder``, as a
        listing gives them (a name gone since is left out); with ``index``, first
        the folder's :data:`INDEX_DIR` entries. What a query judges expiry by. This
        default lists the index from :meth:`names` and stats each leaf."""
        base = folder + "/" if folder else ""
        if index:
            mark = base + INDEX_DIR + "/"
            for name in [n for n in self.names() if n.startswith(mark)]:
                info = self._stat_or_none(name)
                if info is not None:
                    yield info
        yield from self._infos_of(base, leaves)

    def _infos_of(self, base: str, leaves: Iterable[str]) -> Iterator[ItemInfo]:
        """The infos of ``base + leaf`` for each leaf still stored."""
        for leaf in leaves:
            info = self._stat_or_none(base + leaf)
            if info is not None:
                yield info

    def _stat_or_none(self, name: str) -> ItemInfo | None:
        try:
            return self.stat(name)
        except KeyError:
            return None

    @abstractmethod
    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        """Yield the info of every stored name ending with ``suffix``."""

    @abstractmethod
    def dirs(self) -> Iterator[str]:
        """Yield the first parts of the names that have more than one part."""

    @abstractmethod
    def substore(self, dir_name: str) -> Store:
        """Return a store of the names under ``dir_name + "/"``, with that prefix removed."""

    @abstractmethod
    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        """Return a context manager holding a cross-process lock on ``name``.

        The lock is separate from the store's own writes; a holder that dies
        loses it. ``TimeoutError`` if it is not acquired within ``timeout``.
        """

    def read_or_none(self, name: str) -> bytes | None:
        """Return the bytes under ``name``, ``None`` if it is absent."""
        try:
            return self.read(name)
        except KeyError:
            return None

    def read_with_info_or_none(self, name: str) -> tuple[bytes, ItemInfo] | None:
        """Return :meth:`read_with_info` of ``name``, ``None`` if it is absent."""
        try:
            return self.read_with_info(name)
        except KeyError:
            return None

    def map_ordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Yield ``(item, fn(item))`` in input order: what the bulk operations run
        their per-name calls through. A store whose requests pay to overlap (S3)
        runs them concurrently; this default runs them one after the other."""
        return ((item, fn(item)) for item in items)

    def read_many(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        """Yield ``(name, bytes)`` for each name in order, ``None`` for an absent one."""
        return self.map_ordered(self.read_or_none, names)

    def read_many_with_info(self, names: Iterable[str]) -> Iterator[
            tuple[str, tuple[bytes, ItemInfo] | None]]:
        """As :meth:`read_many`, each with the info of the version read."""
        return self.map_ordered(self.read_with_info_or_none, names)

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store many ``(name, data)`` pairs (for one name, the last)."""
        self.write_each(self.write, items)

    def write_each(self, write: Callable[[str, bytes], object],
                   items: Iterable[tuple[str, bytes]]) -> None:
        """Call ``write(name, data)`` for each pair through :meth:`map_ordered`,
        after checking every name (a name the store refuses writes none)."""
        latest = dict(items)  # concurrent writes of one name must still end with the last
        for name in latest:
            self.check_name(name)
        for _ in self.map_ordered(lambda item: write(*item), latest.items()):
            pass

    def create_many(self, items: Iterable[tuple[str, bytes]]) -> list[str]:
        """:meth:`create` each ``(name, data)`` pair (the names distinct); return the
        names that were already present, in order."""
        return self.create_each(self.create, items)

    def create_each(self, create: Callable[[str, bytes], bool],
                    items: Iterable[tuple[str, bytes]]) -> list[str]:
        """As :meth:`create_many`, calling ``create(name, data)`` for each pair."""
        items = list(items)
        for name, _ in items:
            self.check_name(name)
        return [name for (name, _), created in self.map_ordered(lambda item: create(*item), items)
                if not created]

    def delete_many(self, names: Iterable[str]) -> None:
        """Remove each of ``names`` that is present; an absent one is no error."""
        for name in names:
            with suppress(KeyError):
                self.delete(name)

    # Every item attempted: a batch reports each failure instead of stopping at the
    # first. A failure is returned (by name), never swallowed.

    def try_write_many(self, items: Iterable[tuple[str, bytes]]) -> dict[str, Exception]:
        """Store each ``(name, data)`` pair (the names distinct), attempting every one
        whatever fails; return the exception of each pair not written, by name."""
        return self.try_write_each(self.write, items)

    def try_write_each(self, write: Callable[[str, bytes], object],
                       items: Iterable[tuple[str, bytes]]) -> dict[str, Exception]:
        """As :meth:`try_write_many`, calling ``write(name, data)`` for each pair."""
        attempt = attempted(write)
        return {name: e for (name, _), e in self.map_ordered(lambda item: attempt(*item),
                                                              dict(items).items())
                if isinstance(e, Exception)}

    def try_create_many(self, items: Iterable[tuple[str, bytes]]
                        ) -> tuple[list[str], dict[str, Exception]]:
        """:meth:`create` each pair (the names distinct), attempting every one; return
        the names already present, in order, and the exception of each failed pair."""
        return self.try_create_each(self.create, items)

    def try_create_each(self, create: Callable[[str, bytes], bool],
                        items: Iterable[tuple[str, bytes]]
                        ) -> tuple[list[str], dict[str, Exception]]:
        """As :meth:`try_create_many`, calling ``create(name, data)`` for each pair."""
        attempt = attempted(create)
        return split_creates((name, created) for (name, _), created
                             in self.map_ordered(lambda item: attempt(*item), items))

    def try_delete_many(self, names: Iterable[str]) -> dict[str, Exception]:
        """Remove each of ``names`` that is present (an absent one is no error),
        attempting every one; return the exception of each name not removed."""
        def delete(name: str) -> None:
            with suppress(KeyError):
                self.delete(name)

        attempt = attempted(delete)
        return {name: e for name in names if isinstance(e := attempt(name), Exception)}


def attempted(fn: Callable[..., R]) -> Callable[..., R | Exception]:
    """``fn``, returning the exception it raises instead of raising it."""
    def attempt(*args: Any) -> R | Exception:
        try:
            return fn(*args)
        except Exception as e:  # handed back to the caller, who reports it
            return e

    return attempt


def split_creates(results: Iterable[tuple[str, bool | Exception]]
                  ) -> tuple[list[str], dict[str, Exception]]:
    """The names a create found present, and the failures by name."""
    present, failures = [], {}
    for name, created in results:
        if isinstance(created, Exception):
            failures[name] = created
        elif not created:
            present.append(name)
    return present, failures


def infos_by_folder(infos: Iterable[ItemInfo]) -> Iterator[tuple[str, list[ItemInfo]]]:
    """Group a listing's infos by what comes before the last ``/`` of their names
    (``""`` at the top), in listing order; a folder may come more than once."""
    folder, group = "", list[ItemInfo]()
    for info in infos:
        parent = info.name.rpartition("/")[0]
        if parent != folder and group:
            yield folder, group
            group = []
        folder = parent
        group.append(info)
    if group:
        yield folder, group
