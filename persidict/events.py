"""In-process events: callbacks called after a change took effect.

``d.subscribe(callback)`` calls ``callback(change)`` with a
:class:`~persidict.history.Change` after each successful change made through
``d`` or a subdict derived from it (after the subscription), by any path; never
before the change, never for a write that failed. A callback that raises is
logged on the ``"persidict"`` logger; the change stays and the other callbacks
still run. Other processes' changes are seen through ``d.watch()``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import _records
from ._recording import Changed, RecordingStore, recording
from ._who import Who
from .history import Change, _Reader

if TYPE_CHECKING:
    from .persi_dict import PersiDict

_log = logging.getLogger("persidict")
_OPS = {"s": "set", "c": "set", "d": "delete"}
_subscribing = threading.Lock()


class Subscription:
    """A callback subscribed to a dict's changes; :meth:`cancel` ends it."""

    def __init__(self, d: PersiDict[Any], store: RecordingStore,
                 callback: Callable[[Change], Any], ops: frozenset[str]) -> None:
        self._callback = callback
        self._ops = ops
        self._journal = store.journal
        self._prefix = store.prefix
        self._reader = _Reader(d, store.journal, store.prefix)

    @property
    def active(self) -> bool:
        """Whether the callback is still called."""
        return self in self._journal.subscriptions

    def cancel(self) -> None:
        """Stop calling the callback (no error if stopped already)."""
        subscriptions = self._journal.subscriptions
        if self in subscriptions:
            subscriptions.remove(self)

    def notify(self, changes: list[Changed], records: list[tuple[str, bytes]]) -> None:
        """Call the callback for each change this subscription is for."""
        paths = [path for path, _ in records] or [""] * len(changes)
        for (name, op, data), path in zip(changes, paths, strict=True):
            if _OPS[op] not in self._ops:
                continue
            key = self._reader.key_of(name)
            if key is None:  # another file_type's name, or outside this subdict
                continue
            change = self._change(key, op, data, path)
            try:
                self._callback(change)
            except Exception:  # the change stands; the other callbacks still run
                _log.exception("persidict: subscriber %r failed on %s of %r",
                               self._callback, change.op, change.key)

    def _change(self, key: Any, op: str, data: bytes | None, path: str) -> Change:
        if path:
            listed = _records.parse_path(path[len(_records.HISTORY_DIR) + 1:])
            return Change(key, _OPS[op], listed.ns / 1e9, Who.current(), path, self._reader,
                          data, listed)
        return Change(key, _OPS[op], _records.now_ns() / 1e9, Who.current(), "",
                      self._reader, data, None)


def subscribe(d: PersiDict[Any], callback: Any, ops: Iterable[str]) -> Subscription:
    """``d.subscribe(callback, ops)``.

    Raises:
        TypeError: if ``callback`` is not callable or ``ops`` not strings.
        ValueError: for an op other than ``"set"`` and ``"delete"``, or none.
    """
    if not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    if isinstance(ops, str) or not all(isinstance(op, str) for op in ops):
        raise TypeError("ops must be a collection of 'set' and 'delete'")
    wanted = frozenset(ops)
    if not wanted or not wanted <= {"set", "delete"}:
        raise ValueError(f"ops must be some of 'set' and 'delete', not {sorted(wanted)!r}")
    with _subscribing:
        store = d._store
        if not isinstance(store, RecordingStore):
            store = d._store = recording(store, history=False)
        subscription = Subscription(d, store, callback, wanted)
        store.journal.subscriptions.append(subscription)
    return subscription
