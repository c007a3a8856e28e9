"""The batch writer: ``with d.batch() as b:`` collects writes and deletes and sends them
in bulk (concurrently on S3) when the block ends, and every ``max_pending`` keys.

The contract, which a flush in the middle of a block does not change:

- the items of one key apply in the order given: the last one wins, ``KEEP_CURRENT``
  keeps what came before it, ``del b[k]`` and ``DELETE_CURRENT`` delete ``k`` if it
  is present (a missing key is no error: the key is absent afterwards either way,
  and finding out would cost a request per key);
- each key and value is checked and encoded when it is given, so a bad one raises
  there, inside the block;
- if the block raises, nothing pending is written and the exception propagates;
  what earlier flushes wrote stays written (a batch is not a transaction);
- a flush attempts every item whatever fails; when the block ends, one
  :class:`~persidict.errors.BatchError` lists every item that failed, with why.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from . import ttl as _ttl
from .errors import BatchError
from .jokers import DELETE_CURRENT, KEEP_CURRENT, Joker
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .stores._base import attempted

if TYPE_CHECKING:
    from .persi_dict import PersiDict

_NEW, _OPEN, _CLOSED = "new", "open", "closed"


class _Item(NamedTuple):
    name: str
    key: SafeStrTuple
    data: bytes | None  # None: delete
    value: Any  # kept for write-once dicts only, whose rewrites may be checked
    entry: str | None = None  # a per-item expiry's index entry, written before data


class Batch:
    """Writes and deletes on ``d``, sent in bulk; see the module docstring.

    >>> from persidict import LocalDict
    >>> d = LocalDict()
    >>> d["old"] = 0
    >>> with d.batch() as b:
    ...     b["a"] = 1
    ...     b["a"] = 2
    ...     del b["old"], b["never-there"]
    >>> sorted(d.items())
    [(SafeStrTuple('a'), 2)]

    Not thread-safe: one thread fills a batch.

    Raises:
        TypeError, ValueError: for a bad ``max_pending``; for a bad key or value,
            at the call that gives it.
        KeyError: at ``del b[k]`` (or ``DELETE_CURRENT``) on a write-once dict.
        BatchError: when the block ends, if any item failed.
    """

    def __init__(self, d: PersiDict, *, max_pending: int = 1000) -> None:
        if isinstance(max_pending, bool) or not isinstance(max_pending, int):
            raise TypeError(f"max_pending must be an int, not {type(max_pending).__name__}")
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, not {max_pending}")
        self._dict = d
        self._max_pending = max_pending
        self._pending: dict[str, _Item] = {}  # name -> the last item of that name
        self._rewrites: list[_Item] = []  # write-once: later writes of a pending name
        self._failures: list[tuple[SafeStrTuple, Exception]] = []
        self._sent = 0
        self._state = _NEW

    @property
    def max_pending(self) -> int:
        """How many keys wait in memory before they are sent."""
        return self._max_pending

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._stage(key, value, None)

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        """Delete ``key`` if present, as ``b[key] = DELETE_CURRENT`` does."""
        self._stage(key, DELETE_CURRENT, None)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        """``b[key] = value``; with ``ttl``, as ``d.set(key, value, ttl=ttl)``: the
        item expires ``ttl`` seconds after this call (its index entry is sent before
        the value, in the same flush).

        Raises:
            TypeError, ValueError: for a bad ``ttl``, or a ``ttl`` on a dict without
                ``item_ttl=True``, at this call (nothing is queued).
        """
        self._stage(key, value, ttl)

    def _stage(self, key: NonEmptySafeStrTuple, value: Any, ttl: float | None) -> None:
        """Every item comes through here: checked, encoded, and queued in order."""
        if self._state != _OPEN:
            raise RuntimeError("a batch takes writes only inside its with block"
                               if self._state == _NEW else "this batch is closed")
        d = self._dict
        name = d._name_of(key)
        key = SafeStrTuple(key)
        seconds = _ttl.check_ttl(ttl)
        if seconds is not None and not isinstance(value, Joker) and not d.item_ttl:
            raise ValueError("set(..., ttl=) needs a dict opened with item_ttl=True")
        if value is KEEP_CURRENT:
            return
        if value is DELETE_CURRENT:
            d._refuse_change(key)
            self._pending[name] = _Item(name, key, None, None)
            self._flush_if_full()
            return
        data, index = d._encode(value), None
        if seconds is not None:
            data, index = _ttl.framed(name, data, seconds)
        if not d.immutable_items:
            self._pending[name] = _Item(name, key, data, None, index)
        elif name in self._pending:
            self._rewrites.append(_Item(name, key, data, value, index))
        else:
            self._pending[name] = _Item(name, key, data, value, index)
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self._pending) + len(self._rewrites) >= self._max_pending:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        rewrites, self._rewrites = self._rewrites, []
        d = self._dict
        store = d.store
        failures: dict[str, Exception | None] = {}
        entries = [(item.entry, b"") for item in pending.values() if item.entry is not None]
        if entries:  # before the values, as d.set does: a value without one is not sent
            failed_entry = store.try_write_many(entries)
            failures.update((name, failed_entry[item.entry]) for name, item in pending.items()
                            if item.entry is not None and item.entry in failed_entry)
        writes = [(name, item.data) for name, item in pending.items()
                  if item.data is not None and name not in failures]
        deletes = [name for name, item in pending.items() if item.data is None]
        already_set = attempted(self._already_set)  # a failing check is that item's failure
        if writes and d.immutable_items:
            present, failed = store.try_create_many(writes)
            failures.update(failed)
            if d._ttl is not None:  # an expired item is replaced, if still the one seen
                create = attempted(self._create_over_expired)
                failures.update((name, create(pending[name])) for name in present)
            else:
                failures.update((name, already_set(pending[name].key, pending[name].value))
                                for name in present)
        elif writes:
            failures.update(store.try_write_many(writes))
        if deletes:
            failures.update(store.try_delete_many(deletes))
        self._sent += len(pending) + len(rewrites)
        for name, item in pending.items():
            failure = failures.get(name)
            if failure is not None:
                self._failures.append((item.key, failure))
        # A write of a key given earlier in this batch shares the first one's failure,
        # or meets the stored value as a write of an existing key does.
        for item in rewrites:
            first = failures.get(item.name)
            failure = first if first is not None else already_set(item.key, item.value)
            if failure is not None:
                self._failures.append((item.key, failure))

    def _create_over_expired(self, item: _Item) -> Exception | None:
        """A write-once write that found ``item.name`` present: created after all if
        what is there expired (replaced only if still the version seen)."""
        assert item.data is not None
        if self._dict._create(item.name, item.data):
            return None
        return self._already_set(item.key, item.value)

    def _already_set(self, key: SafeStrTuple, value: Any) -> Exception | None:
        """What a write-once write of ``key``, found already stored, fails with
        (``None``: it is ignored). Raising is failing with what is raised."""
        return KeyError(f"{key!r} is already set and this dict is write-once"
                        " (immutable_items=True)")

    def __enter__(self) -> Batch:
        if self._state != _NEW:
            raise RuntimeError("a batch is used in one with block only")
        self._state = _OPEN
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._state = _CLOSED
        if exc is None:
            self._flush()
        else:
            self._pending, self._rewrites = {}, []
        if not self._failures:
            return
        error = BatchError(self._describe(), self._failures)
        if exc is None:
            raise error from self._failures[0][1]
        if hasattr(exc, "add_note"):  # Python 3.11+: say what earlier flushes lost
            exc.add_note(f"persidict: {error}")

    def _describe(self) -> str:
        failed = len(self._failures)
        shown = ", ".join(f"{key!r} ({type(e).__name__}: {e})" for key, e in self._failures[:3])
        more = f" and {failed - 3} more" if failed > 3 else ""
        return (f"{failed} of {self._sent} items of a batch on {self._dict.base_url}"
                f" failed: {shown}{more}")
