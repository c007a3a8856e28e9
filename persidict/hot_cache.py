"""cached(d, max_bytes): an in-process cache of decoded values in front of ``d``,
evicting the least recently used first (approximately: second chance, see _evict).

The contract: a read never returns a value the store no longer holds. A
write-once dict (``immutable_items=True``) cannot change a value it holds, so a
hit there does no I/O at all (trusting every writer of the store to be
write-once). Any other dict checks each hit with the cheapest test the store
has (``Store.change_check``: one ``os.stat`` on a folder, a conditional GET that
S3 answers 304 without a body), and a changed value is read again in that same
request. A TTL'd dict never serves a value past its
expiry (kept with the entry, as the store's ``timestamp`` + ``ttl`` or the
item's own expiry). Writes and deletes through the wrapper drop the entries they
touch; the next read refills them (the wrapper never learns the etag a write
made, so it cannot keep the new value as checked). Writes by anyone else are
caught by the per-hit check. A value that cannot change in place (a number, a
str, bytes, a tuple of such) is served as it is; any other is kept pickled and
each hit gets its own copy, so a caller changing what ``d[k]`` returned never
changes what the next read returns.
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from . import ttl as _ttl
from ._atomic import _MISSING
from .batch import Batch
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .stores import ItemInfo
from .wrappers import PersiDictWrapper

_ENTRY_OVERHEAD = 200  # bytes counted per entry beside its value: key, entry, links


# An entry is a list: [value, check, expires, size, name, used, shared]. ``value``
# is the value itself if ``shared`` (it cannot change in place), else its pickle.
# ``check`` is ``Store.change_check`` of the version kept (None: write-once),
# ``expires`` the POSIX time it stops being served (None: never), ``used`` whether
# it was read since eviction last passed it.
_SIZE, _USED = 3, 5
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes)


def _shareable(value: Any) -> bool:
    """Whether ``value`` cannot change in place, so every read may share it."""
    if type(value) in _IMMUTABLE:
        return True
    return type(value) in (tuple, frozenset) and all(_shareable(v) for v in value)


class CachedDict(PersiDictWrapper):
    """``d`` with its hot values kept in memory, up to ``max_bytes``.

    An entry counts the size of its stored bytes, or of the value itself
    (``sys.getsizeof``) when that is larger, plus a small overhead; a value larger
    than ``max_bytes`` is not kept. ``d[k]`` and ``d.get(k)`` are served from the
    cache; every other operation goes to ``d``.

    >>> from persidict import LocalDict
    >>> d = cached(LocalDict(), max_bytes=1 << 20)
    >>> d["k"] = [1, 2]
    >>> d["k"], d["k"], d.cache_info()[:2]  # one entry, read from the store once
    ([1, 2], [1, 2], (1, 1))

    Raises:
        TypeError: for an ``inner`` that is a wrapper or not a PersiDict (wrap the
            cached dict instead: ``read_only(cached(d))``), or a ``max_bytes`` that
            is not an int.
        ValueError: for ``max_bytes`` <= 0.
    """

    def __init__(self, inner: PersiDict, max_bytes: int = 64 << 20) -> None:
        super().__init__(inner)
        if isinstance(inner, PersiDictWrapper):
            raise TypeError(f"cached() takes a dict over a store, not a {type(inner).__name__}"
                            " wrapper: wrap the cached dict instead (read_only(cached(d)))")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be an int, not {type(max_bytes).__name__}")
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be > 0, not {max_bytes}")
        self._max_bytes = max_bytes
        self._entries: dict[str | tuple[str, ...], list[Any]] = {}
        self._bytes = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        """The bound of the cache's size."""
        return self._max_bytes

    def get_params(self) -> dict[str, Any]:
        return {"inner": self._inner, "max_bytes": self._max_bytes}

    def _rewrap(self, inner: PersiDict) -> PersiDict:
        return type(self)(inner, self._max_bytes)  # a cache of its own: other keys

    def cache_info(self) -> tuple[int, int, int]:
        """``(entries, misses: values read from the store, bytes held)``."""
        return len(self._entries), self._misses, self._bytes

    def clear_cache(self) -> None:
        """Forget every cached value (the dict is unchanged)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    # --- reads

    def __getitem__(self, key: NonEmptySafeStrTuple) -> Any:
        try:
            entry = self._entries[key]  # type: ignore[index]
        except (KeyError, TypeError):  # not cached, or a key to convert (a list)
            return self._load(key)
        value, check, expires, _, name, _, shared = entry
        if check is not None:
            try:
                changed = check()
            except KeyError:
                self._drop(key)
                raise KeyError(SafeStrTuple(key)) from None
            if changed is not None:
                return self._keep(SafeStrTuple(key), name, *changed)
        if expires is not None and _ttl.clock() >= expires:
            self._drop(key)
            return self._load(key)
        entry[_USED] = True  # a flag, not a reordering: a third of a hit's own cost
        return value if shared else pickle.loads(value)

    def _load(self, key: Any) -> Any:
        inner = self._inner
        name = inner._name_of(key)  # checks the key
        key = SafeStrTuple(key)
        data, info = inner._read_live(key, name)
        return self._keep(key, name, data, info)

    def _keep(self, key: SafeStrTuple, name: str, data: bytes, info: ItemInfo) -> Any:
        inner = self._inner
        rule = inner._ttl
        if rule is not None and not rule.is_live(info, data):
            self._drop(key)
            raise KeyError(key)
        value = inner._decode(key, data)
        shared = _shareable(value)
        try:
            kept = value if shared else pickle.dumps(value, protocol=5)
        except Exception:  # a value pickle cannot copy: read it from the store each time
            self._drop(key)
            return value
        size = max(len(data), sys.getsizeof(kept)) + _ENTRY_OVERHEAD
        if size > self._max_bytes:
            self._drop(key)
            return value
        check = None if inner.immutable_items else inner.store.change_check(name, info.etag)
        expires = None if rule is None else rule.expires_at(info, data)
        plain = _plain(key)
        with self._lock:
            self._misses += 1
            old = self._entries.pop(plain, None)
            if old is not None:
                self._bytes -= old[_SIZE]
            self._entries[plain] = [kept, check, expires, size, name, True, shared]
            self._bytes += size
            self._evict()
        return value

    def _evict(self) -> None:
        """Second chance (CLOCK), oldest first: an entry read since it was last
        passed goes to the back with its flag cleared; the first one not read goes."""
        entries = self._entries
        while self._bytes > self._max_bytes:
            oldest = next(iter(entries))
            entry = entries.pop(oldest)
            if entry[_USED]:
                entry[_USED] = False
                entries[oldest] = entry
            else:
                self._bytes -= entry[_SIZE]

    def _drop(self, key: Any) -> None:
        if not self._entries:
            return
        plain = _plain(SafeStrTuple(key))
        with self._lock:
            old = self._entries.pop(plain, None)
            if old is not None:
                self._bytes -= old[_SIZE]

    def _dropping(self, key: Any, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """``fn(*args)``, then drop ``key``'s entry (also when ``fn`` raised: a
        write that failed midway may have changed the value)."""
        try:
            return fn(*args, **kw)
        finally:
            self._drop(key)

    def _clearing(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        finally:
            self.clear_cache()

    # --- writes: through to the dict, dropping what they touch

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._dropping(key, self._inner.__setitem__, key, value)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        self._dropping(key, self._inner.set, key, value, ttl=ttl)

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        self._dropping(key, self._inner.__delitem__, key)

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        return bool(self._dropping(key, self._inner.delete_if_exists, key))

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        return bool(self._dropping(key, self._inner.compare_and_set, key, value, etag))

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        return bool(self._dropping(key, self._inner.compare_and_delete, key, etag))

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        return bool(self._dropping(key, self._inner.add, key, value))

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        return self._dropping(key, self._inner.setdefault, key, default)

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        return self._dropping(key, self._inner.pop, key, default)

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        return self._dropping(key, self._inner.transform, key, fn, default=default,
                              retries=retries)

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        return self._dropping(key, self._inner.incr, key, delta, default)

    def lock(self, key: NonEmptySafeStrTuple,
             timeout: float | None = None) -> AbstractContextManager[None]:
        return self._inner.lock(key, timeout)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        return self._clearing(self._inner.popitem)  # type: ignore[no-any-return]

    def purge_expired(self) -> int:
        return int(self._clearing(self._inner.purge_expired))

    def set_many(self, items: Any) -> None:
        self._clearing(self._inner.set_many, items)

    def add_many(self, items: Any) -> list[SafeStrTuple]:
        return self._clearing(self._inner.add_many, items)  # type: ignore[no-any-return]

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        self._clearing(self._inner.update, other, **kwargs)

    def batch(self, *, max_pending: int = 1000) -> Batch:
        """The dict's batch: its writes are caught by the per-hit check (a
        write-once dict's values cannot change)."""
        return self._inner.batch(max_pending=max_pending)

    def clear(self) -> None:
        self._clearing(self._inner.clear)

    def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        return self._inner.get_many(keys)


def _plain(key: SafeStrTuple) -> str | tuple[str, ...]:
    """The cache's key for ``key``: what a caller passes as the key, so that a hit
    compares builtin ``str`` or ``tuple`` (``SafeStrTuple.__eq__`` is Python code)."""
    return key[0] if len(key) == 1 else key.strings


def cached(d: PersiDict, max_bytes: int = 64 << 20) -> CachedDict:
    """``d`` behind an in-process cache of at most ``max_bytes`` (see :class:`CachedDict`)."""
    return CachedDict(d, max_bytes)
