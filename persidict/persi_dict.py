"""PersiDict: the whole mapping API, implemented once over any Store."""

from __future__ import annotations

import random
import sys
from collections.abc import (
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    ValuesView,
)
from types import FrameType
from typing import Any, Generic, TypeVar, overload

from . import _bulk, _listing, _time_order, _views
from . import ttl as _ttl
from ._atomic import AtomicUpdates
from ._features import FeatureMethods
from ._listing import Pending
from ._params import Params
from ._params import _reopen as _reopen  # handles pickled before name it here
from .batch import Batch
from .errors import CorruptValueError
from .jokers import DELETE_CURRENT, KEEP_CURRENT, Joker
from .safe_str_tuple import NonEmptyPersiDictKey as NonEmptyPersiDictKey  # re-exported: the earlier
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .safe_str_tuple import PersiDictKey as PersiDictKey  # releases' import path
from .stores import ItemInfo, Store
from .stores.signing_store import SigningKey

ValueType = TypeVar("ValueType")  # what a PersiDict[ValueType] holds, for type checkers
_T = TypeVar("_T")


class PersiDict(Params, AtomicUpdates, FeatureMethods, Generic[ValueType],
                MutableMapping[SafeStrTuple, ValueType]):
    """A persistent dict over a :class:`~persidict.stores.Store`.

    Keys are :class:`SafeStrTuple` (a str or a sequence of str is converted);
    values are encoded by the ``file_type`` format. It behaves as a ``dict``
    except that insertion order is not kept. Every single-key operation is
    atomic across processes; ``add``, ``setdefault``, ``pop``,
    ``compare_and_set``, ``transform`` and ``incr`` are atomic
    read-modify-writes.

    >>> from persidict.stores import MemoryStore
    >>> d = PersiDict(MemoryStore())
    >>> d["a", "b"] = 1
    >>> d.incr("hits"), d.incr("hits")
    (1, 2)
    >>> sorted(d.keys()), d.get_subdict("a")["b"]
    ([SafeStrTuple('a', 'b'), SafeStrTuple('hits')], 1)

    Raises:
        TypeError, ValueError: for a bad key (see :class:`SafeStrTuple`),
            a value of the wrong type, or a bad constructor argument.
        KeyError: for a missing key, or a second write to a write-once item.
    """

    def __init__(self, store: Store, *, file_type: str = "pkl", immutable_items: bool = False,
                 digest_len: int = 8, base_class_for_values: type | None = None,
                 ttl: float | None = None, item_ttl: bool = False,
                 history: bool = False, signing_key: SigningKey = None,
                 compress: str | None = None) -> None:
        self._init_params(store, file_type=file_type, immutable_items=immutable_items,
                          digest_len=digest_len, base_class_for_values=base_class_for_values,
                          ttl=ttl, item_ttl=item_ttl, history=history, signing_key=signing_key,
                          compress=compress)

    def __str__(self) -> str:
        """The items, as ``str(dict(d.items()))`` (``repr`` gives the parameters)."""
        return str(dict(self.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersiDict) and type(other) is type(self) \
                and other.get_params() == self.get_params():
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        try:
            theirs = {SafeStrTuple(k): v for k, v in other.items()}
        except (TypeError, ValueError):  # a key that no PersiDict can hold
            return False
        return len(theirs) == len(self) and dict(self.items()) == theirs

    __hash__ = None  # type: ignore[assignment]

    # --- single items

    def _name_of(self, key: NonEmptySafeStrTuple) -> str:
        return self._naming.name(key)

    def _encode(self, value: Any) -> bytes:
        base = self.base_class_for_values
        if base is not None and not isinstance(value, base):
            raise TypeError(f"values must be {base.__name__}, not {type(value).__name__}")
        if isinstance(value, Joker):
            raise TypeError(f"{value!r} is a joker, not a value to store")
        return self._format.dumps(value)

    def _decode(self, key: Any, data: bytes) -> Any:
        if data[:1] == b"\xff":  # a per-item expiry header (see ttl.py)
            data = _ttl.split_expiry(data)[1]
        try:
            return self._format.loads(data)
        except CorruptValueError as e:
            raise CorruptValueError(f"{self.base_url}: key {key!r}: {e}") from e

    def _refuse_change(self, key: Any) -> None:
        if self.immutable_items:
            raise KeyError(f"{key!r}: this dict is write-once (immutable_items=True)")

    def __getitem__(self, key: NonEmptySafeStrTuple) -> ValueType:
        name = self._name_of(key)
        if self._ttl is not None:
            return self._decode(key, _ttl.read_fresh(self._store, self._ttl, key, name))
        try:
            data = self._store.read(name)
        except KeyError:
            raise KeyError(key) from None
        return self._decode(key, data)

    def _read_live(self, key: Any, name: str) -> tuple[bytes, ItemInfo]:
        """The bytes and info of ``name``; ``KeyError(key)`` if absent or expired."""
        return _ttl.read_live(self._store, self._ttl, key, name)

    def _create(self, name: str, data: bytes) -> bool:
        """Store ``data`` only if ``name`` is absent (or expired: then only over the
        version seen); return whether it did."""
        if self._ttl is None:
            return self._store.create(name, data)
        return self._ttl.create(self._store, name, data)

    def __setitem__(self, key: NonEmptySafeStrTuple, value: ValueType | Joker) -> None:
        name = self._name_of(key)
        if value is KEEP_CURRENT:
            return
        if value is DELETE_CURRENT:
            self.delete_if_exists(key)
            return
        data = self._encode(value)
        if not self.immutable_items:
            self._store.write(name, data)
        elif not self._create(name, data):
            raise KeyError(f"{key!r} is already set and this dict is write-once"
                           " (immutable_items=True)")

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        name = self._name_of(key)
        self._refuse_change(key)
        if self._ttl is not None:
            if not self._ttl.delete(self._store, name):
                raise KeyError(key)
            return
        try:
            self._store.delete(name)
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        name = self._name_of(key)  # type: ignore[arg-type]
        if self._ttl is None:
            return self._store.exists(name)
        return _ttl.contains(self._store, self._ttl, key, name)

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        """Delete ``key`` if present; return whether it was."""
        name = self._name_of(key)
        self._refuse_change(key)
        if self._ttl is not None:
            return self._ttl.delete(self._store, name)
        try:
            self._store.delete(name)
        except KeyError:
            return False
        return True

    def holds(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        """Whether ``key`` is stored with exactly what writing ``value`` would store
        (or with what an earlier encoder wrote for it); ``False`` if ``key`` is absent.
        Unlike ``d[key] == value`` it holds for NaN and for objects without ``__eq__``.

        Raises:
            TypeError: for a value this dict cannot store.
            CorruptValueError: if the stored bytes differ and do not decode.
        """
        name = self._name_of(key)
        data = self._encode(value)
        try:
            stored = self._read_live(key, name)[0]
        except KeyError:
            return False
        return stored == data or self._format.dumps(self._decode(key, stored)) == data

    def discard(self, key: NonEmptySafeStrTuple) -> bool:
        """The newer releases' name of :meth:`delete_if_exists`."""
        return self.delete_if_exists(key)

    @overload
    def get(self, key: NonEmptySafeStrTuple, /) -> ValueType | None: ...
    @overload
    def get(self, key: NonEmptySafeStrTuple, default: ValueType | _T) -> ValueType | _T: ...
    def get(self, key: Any, default: Any = None) -> Any:
        """``d[key]``, or ``default`` if absent (typed to take a str or tuple key)."""
        try:
            return self[key]
        except KeyError:
            return default

    def timestamp(self, key: NonEmptySafeStrTuple) -> float:
        """POSIX time of the last write of ``key``."""
        name = self._name_of(key)
        if self._ttl is not None:
            return _ttl.timestamp(self._store, self._ttl, key, name)
        try:
            return self._store.mtime(name)
        except KeyError:
            raise KeyError(key) from None

    def _info(self, key: NonEmptySafeStrTuple) -> ItemInfo:
        name = self._name_of(key)
        if self._ttl is not None:
            return _ttl.info(self._store, self._ttl, key, name)
        try:
            return self._store.stat(name)
        except KeyError:
            raise KeyError(key) from None

    def purge_expired(self) -> int:
        """Delete the expired items (each only if still the version listed, so a
        value rewritten meanwhile stays); return how many were deleted. Allowed on
        a write-once dict. 0 for a dict without TTL."""
        return 0 if self._ttl is None else _ttl.purge_expired(self, self._ttl)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        """``d[key] = value``; with ``ttl``, the item expires ``ttl`` seconds from now
        (by this process's clock) instead of by the dict's rule. The expiry is part
        of the value's bytes (one write); a later write without ``ttl`` follows the
        dict's rule again.

        Raises:
            TypeError, ValueError: for a bad ``ttl``, or a ``ttl`` on a dict without
                ``item_ttl=True`` (nothing is written).
        """
        seconds = _ttl.check_ttl(ttl)
        if seconds is None or isinstance(value, Joker):
            self[key] = value
        else:
            _ttl.set_with_ttl(self, key, value, seconds)

    def expires_at(self, key: NonEmptySafeStrTuple) -> float | None:
        """POSIX time at which ``key`` expires; ``None`` if never.

        Raises:
            KeyError: if ``key`` is absent (or expired).
        """
        data, info = self._read_live(key, self._name_of(key))
        return None if self._ttl is None else self._ttl.expires_at(info, data)

    # --- many items

    _pending: Pending | None = None  # see _listing.py: list(d) lists once

    def __iter__(self) -> Iterator[SafeStrTuple]:
        return self._iter_keys(sys._getframe(1))

    def __len__(self) -> int:
        return self._count_keys(sys._getframe(1))

    def _iter_keys(self, caller: FrameType) -> Iterator[SafeStrTuple]:
        self._pending, keys = _listing.keys(self._list_names, self._naming, caller)
        return keys

    def _count_keys(self, caller: FrameType) -> int:
        pending, self._pending = self._pending, None
        return _listing.count(self._list_names, self._naming, caller, pending)

    def _list_names(self) -> Iterator[tuple[str, list[str]]]:
        """One listing of the live items' names, grouped by folder."""
        if self._ttl is None:
            return self._store.names_by_folder(self._naming.suffix)
        return self._ttl.live_groups(self._store, self._naming.suffix)

    def __ior__(self, other: Any) -> PersiDict:
        self.update(other)
        return self

    def keys(self) -> KeysView[SafeStrTuple]:
        return _views.Keys(self)

    def items(self) -> ItemsView[SafeStrTuple, Any]:
        return _views.Items(self)

    def values(self) -> ValuesView[Any]:
        return _views.Values(self)

    def _read_items(self, keys: Iterable[Any]) -> Iterator[tuple[SafeStrTuple, Any]]:
        """Yield ``(key, value)`` for the keys still present, in order, read
        concurrently where the store can."""
        return _bulk.read_items(self, keys)

    def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        """Return the values of ``keys`` in order; ``KeyError`` for a missing one."""
        return _bulk.get_many(self, keys)

    def set_many(self, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> None:
        """Store many items (concurrently where the store can), in order: for one key
        the last item wins (``KEEP_CURRENT`` keeps what came before it). Every key
        and value is checked, and every refusal raised, before anything is written."""
        _bulk.set_many(self, items)

    def add_many(self, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> list[SafeStrTuple]:
        """:meth:`add` each item (concurrently where the store can); return the keys
        that were present already, or given twice, whose values stay as they were.
        Every key and value is checked before anything is written."""
        return _bulk.add_many(self, items)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """As ``dict.update`` (see :meth:`set_many`)."""
        self.set_many(_bulk.update_pairs(other, kwargs))

    def batch(self, *, max_pending: int = 1000) -> Batch:
        """A batch writer: in ``with d.batch() as b:``, ``b[k] = v``, ``del b[k]``,
        ``b.set(k, v)`` and jokers are sent in bulk when the block ends and every
        ``max_pending`` keys (see :mod:`persidict.batch`)."""
        return Batch(self, max_pending=max_pending)

    def clear(self) -> None:
        self._refuse_change("clear()")
        self._store.delete_many(_bulk.all_names(self))

    def random_key(self) -> SafeStrTuple | None:
        """A uniformly random key (one pass, no list in memory); ``None`` if empty."""
        chosen = None
        for seen, key in enumerate(self, start=1):
            if random.randrange(seen) == 0:
                chosen = key
        return chosen

    # --- time order (_time_order.py)

    def keys_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, float]]:
        """Yield ``(key, timestamp)`` for every item, from the listing alone."""
        return _time_order.keys_and_timestamps(self)

    def values_and_timestamps(self) -> Iterator[tuple[ValueType, float]]:
        """Yield ``(value, timestamp)`` for every item."""
        return ((value, ts) for _, value, ts in self.items_and_timestamps())

    def items_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, ValueType, float]]:
        """Yield ``(key, value, timestamp)`` for every item (the earlier releases' triples)."""
        return _time_order.items_and_timestamps(self)

    def newest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        """The ``max_n`` most recently written keys, newest first (all if None); with
        history on, from the newest records (O(max_n), see history.py)."""
        return _time_order.by_time(self, max_n, newest=True)

    def oldest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        """The ``max_n`` least recently written keys, oldest first (all if None)."""
        return _time_order.by_time(self, max_n, newest=False)

    def newest_values(self, max_n: int | None = None) -> list[Any]:
        """The values of :meth:`newest_keys`, in that order."""
        return [value for _, value in self._read_items(self.newest_keys(max_n))]

    def oldest_values(self, max_n: int | None = None) -> list[Any]:
        """The values of :meth:`oldest_keys`, in that order."""
        return [value for _, value in self._read_items(self.oldest_keys(max_n))]

    # --- subdicts

    def get_subdict(self, prefix: NonEmptySafeStrTuple) -> PersiDict:
        """A live view of the items under ``prefix``, with ``prefix`` removed from keys."""
        return _views.subdict(self, SafeStrTuple(prefix))

    def subdicts(self) -> dict[str, PersiDict]:
        """The subdicts of every first key component that has keys under it."""
        return _views.subdicts(self)
