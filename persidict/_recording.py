"""The one hook history and events share: a store over a dict's store that, after
each successful write, create, replace or delete of a value name, writes a history
record (history.py) and calls the subscriptions (events.py).

Every path that changes a value (plain writes, jokers, bulk and batch writes, the
atomic operations, TTL purges) reaches the store, so every path is recorded, and
only what took effect: a failed conditional operation changes nothing and records
nothing. Internal names (with ``#``: TTL index entries, locks) are not values and
pass through. A dict with neither history nor subscriptions has no such store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from . import _records
from .stores import ItemInfo, Store
from .stores._forwarding import ForwardingStore

if TYPE_CHECKING:
    from .events import Subscription

Changed = tuple[str, str, bytes | None]  # (name below the root, op "s"/"c"/"d", new bytes)


class Journal:
    """What a dict and all its subdicts share: the root store that holds the
    records, whether history is on, and the subscriptions."""

    def __init__(self, root: Store, history: bool) -> None:
        self.root = root
        self.history = history
        self.subscriptions: list[Subscription] = []

    def changed(self, changes: list[Changed]) -> None:
        """Record ``changes`` (made already) and tell the subscriptions.

        Raises:
            StoreError, OSError: if a record could not be written (the values are).
        """
        records = [self._record(*change) for change in changes] if self.history else []
        if records:
            self._write_records(records)
        for subscription in list(self.subscriptions):
            subscription.notify(changes, records)

    def _record(self, name: str, op: str, data: bytes | None) -> tuple[str, bytes]:
        ns = _records.now_ns()
        path = _records.record_path(ns, op, name)
        return f"{_records.HISTORY_DIR}/{path}", _records.record_body(ns, name, data)

    def _write_records(self, records: list[tuple[str, bytes]]) -> None:
        if len(records) == 1:
            taken = [] if self.root.create(*records[0]) else [records[0][0]]
        else:
            taken, failures = self.root.try_create_many(records)
            if failures:
                raise next(iter(failures.values()))
        if taken:  # a unique name taken: the store broke create-if-absent
            raise RuntimeError(f"history record {taken[0]!r} exists already")


class RecordingStore(ForwardingStore):
    """``inner``, with every change of a value name reported to ``journal``;
    ``prefix`` is where ``inner`` lies below the journal's root."""

    def __init__(self, inner: Store, journal: Journal, prefix: str = "") -> None:
        super().__init__(inner)
        self.journal = journal
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RecordingStore({self.inner!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordingStore) and other.inner == self.inner

    def __hash__(self) -> int:
        return hash(self.inner)

    def _report(self, changes: Iterable[Changed]) -> None:
        kept = [(self.prefix + name, op, data) for name, op, data in changes if "#" not in name]
        if kept:
            self.journal.changed(kept)

    # --- changes, reported once they took effect

    def write(self, name: str, data: bytes) -> str:
        etag = self.inner.write(name, data)
        self._report([(name, "s", data)])
        return etag

    def create(self, name: str, data: bytes) -> bool:
        created = self.inner.create(name, data)
        if created:
            self._report([(name, "c", data)])
        return created

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        replaced = self.inner.replace(name, data, etag)
        if replaced:
            self._report([(name, "s", data)])
        return replaced

    def delete(self, name: str) -> None:
        self.inner.delete(name)
        self._report([(name, "d", None)])

    def delete_if(self, name: str, etag: str) -> bool:
        deleted = self.inner.delete_if(name, etag)
        if deleted:
            self._report([(name, "d", None)])
        return deleted

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        failures = self.try_write_many(items)
        if failures:
            raise next(iter(failures.values()))

    def try_write_many(self, items: Iterable[tuple[str, bytes]]) -> dict[str, Exception]:
        latest = dict(items)  # the last of one name wins, as in the stores
        failures = self.inner.try_write_many(latest.items())
        self._report((n, "s", d) for n, d in latest.items() if n not in failures)
        return failures

    def create_many(self, items: Iterable[tuple[str, bytes]]) -> list[str]:
        present, failures = self.try_create_many(items)
        if failures:
            raise next(iter(failures.values()))
        return present

    def try_create_many(self, items: Iterable[tuple[str, bytes]]
                        ) -> tuple[list[str], dict[str, Exception]]:
        items = list(items)
        present, failures = self.inner.try_create_many(items)
        skipped = set(present) | set(failures)
        self._report((n, "c", d) for n, d in items if n not in skipped)
        return present, failures

    def delete_many(self, names: Iterable[str]) -> None:
        failures = self.try_delete_many(names)
        if failures:
            raise next(iter(failures.values()))

    def try_delete_many(self, names: Iterable[str]) -> dict[str, Exception]:
        # One by one: a bulk delete does not say which names were there, and only
        # those were changed.
        deleted, failures = [], {}
        for name in names:
            try:
                self.inner.delete(name)
            except KeyError:
                continue
            except Exception as e:  # reported by name, as the contract says
                failures[name] = e
            else:
                deleted.append((name, "d", None))
        self._report(deleted)
        return failures

    def substore(self, dir_name: str) -> RecordingStore:
        return RecordingStore(self.inner.substore(dir_name), self.journal,
                              self.prefix + dir_name + "/")

    # --- everything else is the inner store's

    def read(self, name: str) -> bytes:
        return self.inner.read(name)

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        return self.inner.read_with_info(name)

    def read_with_mtime(self, name: str) -> tuple[bytes, float]:
        return self.inner.read_with_mtime(name)

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        return self.inner.read_if_changed(name, etag)

    def read_many(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        return self.inner.read_many(names)

    def read_many_with_info(self, names: Iterable[str]) -> Iterator[
            tuple[str, tuple[bytes, ItemInfo] | None]]:
        return self.inner.read_many_with_info(names)


def unwrapped(store: Store) -> Store:
    """The store under a :class:`RecordingStore` (``store`` itself otherwise)."""
    return store.inner if isinstance(store, RecordingStore) else store


def recording(store: Store, *, history: bool) -> RecordingStore:
    """A recording store over ``store`` with a journal of its own."""
    return RecordingStore(store, Journal(store, history))

