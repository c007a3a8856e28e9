"""mirror(primary, *replicas): writes go to every dict, reads to the primary.

The primary decides: every write is made there first, and only what it accepted
is copied to the replicas (concurrently, one thread each), so a replica never
holds a value the primary refused. An atomic operation (``add``, ``setdefault``,
``pop``, ``compare_and_set``, ``transform``, ``incr``...) runs on the primary
alone, and its outcome is then written to the replicas. A replica that fails is
never skipped silently: once every replica was tried, :class:`MirrorError` names
the ones that failed (the primary and the other replicas hold the change).
Replicas are not kept in step with writes made to them by other means.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

from ._atomic import _ATTEMPTS, _MISSING
from ._bulk import pairs_of
from .errors import ConflictError, MirrorError
from .jokers import DELETE_CURRENT, KEEP_CURRENT, Joker
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .wrappers import PersiDictWrapper
from .wrappers import shown_key as _shown

_ABSENT: Any = object()  # pop's answer for a missing key, which no caller can pass


class MirrorDict(PersiDictWrapper):
    """Reads from ``primary``; writes to ``primary``, then to every replica.

    >>> from persidict import LocalDict
    >>> main, copy = LocalDict(), LocalDict()
    >>> d = mirror(main, copy)  # MirrorDict(main, [copy])
    >>> d["k"] = 1
    >>> d.incr("n"), copy["k"], copy["n"]
    (1, 1, 1)

    Raises:
        TypeError: if the primary or a replica is not a PersiDict.
        ValueError: if no replica is given, or a dict is given twice.
        MirrorError: from a write that the primary made and some replicas failed.
    """

    def __init__(self, primary: PersiDict, replicas: Iterable[PersiDict]) -> None:
        super().__init__(primary)
        if isinstance(replicas, PersiDict) or not isinstance(replicas, Iterable):
            raise TypeError("replicas must be a sequence of PersiDicts")
        replicas = tuple(replicas)
        for replica in replicas:
            if not isinstance(replica, PersiDict):
                raise TypeError(f"a replica must be a PersiDict, not {type(replica).__name__}")
        if not replicas:
            raise ValueError("mirror() needs at least one replica")
        everyone = [primary, *replicas]
        if len({id(d) for d in everyone}) < len(everyone):
            raise ValueError("mirror(): a dict is given twice")
        self._replicas = tuple(replicas)
        self._threads = _Threads(len(replicas))

    @property
    def replicas(self) -> tuple[PersiDict, ...]:
        """The dicts every write is copied to."""
        return self._replicas

    def get_params(self) -> dict[str, Any]:
        return {"primary": self._inner, "replicas": self._replicas}

    def _rewrap(self, inner: PersiDict) -> PersiDict:
        raise AssertionError("a mirror's subdicts are built by get_subdict")  # pragma: no cover

    def get_subdict(self, prefix: NonEmptySafeStrTuple) -> PersiDict:
        sub = type(self)(self._inner.get_subdict(prefix),
                         [r.get_subdict(prefix) for r in self._replicas])
        sub._threads = self._threads  # one pool for a mirror and its subdicts
        return sub

    def subdicts(self) -> dict[str, PersiDict]:
        return {name: self.get_subdict(name) for name in self._inner.subdicts()}

    # --- replication

    def _replicate(self, operation: str, action: Callable[[PersiDict], Any]) -> None:
        """Run ``action`` on every replica (concurrently if there are several);
        raise :class:`MirrorError` naming each one that failed."""
        if len(self._replicas) == 1:
            outcomes = [_attempt(action, self._replicas[0])]
        else:
            outcomes = list(self._threads.pool().map(lambda r: _attempt(action, r),
                                                     self._replicas))
        failures = [(r, e) for r, e in zip(self._replicas, outcomes, strict=True)
                    if e is not None]
        if failures:
            named = "; ".join(f"{r.base_url}: {type(e).__name__}: {e}" for r, e in failures)
            raise MirrorError(f"{operation} was made on the primary {self._inner.base_url}"
                              f" but failed on {len(failures)} of {len(self._replicas)}"
                              f" replicas: {named}", failures)

    def _copy_value(self, key: Any, value: Any) -> None:
        self._replicate(f"writing {_shown(key)}", lambda r: _put(r, key, value))

    def _copy_delete(self, key: Any) -> None:
        self._replicate(f"deleting {_shown(key)}", lambda r: r.delete_if_exists(key))

    def _copy_outcome(self, key: Any) -> None:
        """Copy what the primary holds at ``key`` now (absent: delete it)."""
        try:
            value = self._inner[key]
        except KeyError:
            self._copy_delete(key)
        else:
            self._copy_value(key, value)

    # --- plain writes: the primary first, then the replicas

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._inner[key] = value
        if value is DELETE_CURRENT:
            self._copy_delete(key)
        elif value is not KEEP_CURRENT:
            self._copy_value(key, value)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        if ttl is None or isinstance(value, Joker):
            self[key] = value
            return
        self._inner.set(key, value, ttl=ttl)
        self._replicate(f"writing {_shown(key)}", lambda r: r.set(key, value, ttl=ttl))

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        del self._inner[key]
        self._copy_delete(key)

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        existed = self._inner.delete_if_exists(key)
        self._copy_delete(key)  # also when absent: a replica may hold an old value
        return existed

    def set_many(self, items: Any) -> None:
        pairs = list(pairs_of(items))
        self._inner.set_many(pairs)
        self._replicate("set_many()", lambda r: _put_many(r, pairs))

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        PersiDict.update(self, other, **kwargs)

    def clear(self) -> None:
        self._inner.clear()
        self._replicate("clear()", lambda r: r.clear())

    def purge_expired(self) -> int:
        purged = self._inner.purge_expired()
        self._replicate("purge_expired()", lambda r: r.purge_expired())
        return purged

    # --- atomic operations: decided on the primary, then their outcome copied

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        added = self._inner.add(key, value)
        if added:
            self._copy_value(key, value)
        return added

    def add_many(self, items: Any) -> list[SafeStrTuple]:
        pairs = [(SafeStrTuple(k), v) for k, v in pairs_of(items)]
        present = self._inner.add_many(pairs)
        skipped, added = set(present), {}
        for key, value in pairs:
            if key not in skipped and key not in added:
                added[key] = value
        if added:
            self._replicate("add_many()", lambda r: _put_many(r, list(added.items())))
        return present

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        done = self._inner.compare_and_set(key, value, etag)
        if done:
            self._copy_value(key, value)
        return done

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        done = self._inner.compare_and_delete(key, etag)
        if done:
            self._copy_delete(key)
        return done

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        for _ in range(_ATTEMPTS):
            try:
                return self._inner[key]
            except KeyError:
                pass
            if self._inner.add(key, default):
                self._copy_value(key, default)
                return default
        raise ConflictError(f"setdefault of {_shown(key)} in {self._inner.base_url} met a"
                            f" concurrent change on all {_ATTEMPTS} attempts")

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        found = self._inner.pop(key, _ABSENT)
        if found is _ABSENT:
            if default is _MISSING:
                raise KeyError(key)
            return default
        self._copy_delete(key)
        return found

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        key, value = self._inner.popitem()
        self._copy_delete(key)
        return key, value

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        result = self._inner.transform(key, fn, default=default, retries=retries)
        self._copy_outcome(key)  # KEEP_CURRENT leaves no sign in the result
        return result

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        result = self._inner.incr(key, delta, default)
        self._copy_value(key, result)
        return result

    def batch(self, *, max_pending: int = 1000) -> MirrorBatch:  # type: ignore[override]
        """A batch on the primary and one on each replica, fed the same items;
        the primary's is sent first when the block ends."""
        return MirrorBatch(self, max_pending)


class _Threads:
    """A mirror's thread pool, made on first use, and again in a forked child
    (whose copy of the pool has no threads)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(self._size, thread_name_prefix="persidict-mirror")
                self._pid = os.getpid()
            return self._pool


class MirrorBatch:
    """The batch of a :class:`MirrorDict`: what :class:`~persidict.Batch` takes,
    given to the primary's batch and to each replica's."""

    def __init__(self, d: MirrorDict, max_pending: int) -> None:
        self._mirror = d
        self._primary = d.inner.batch(max_pending=max_pending)
        self._copies = [r.batch(max_pending=max_pending) for r in d.replicas]

    @property
    def max_pending(self) -> int:
        return self._primary.max_pending

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._primary[key] = value  # a bad key or value raises here, before the copies
        for b in self._copies:
            b[key] = value

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        del self._primary[key]
        for b in self._copies:
            del b[key]

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        self._primary.set(key, value, ttl=ttl)
        for b in self._copies:
            b.set(key, value, ttl=ttl)

    def __enter__(self) -> MirrorBatch:
        self._primary.__enter__()
        for b in self._copies:
            b.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._primary.__exit__(exc_type, exc, tb)  # its BatchError comes first
        copies = {id(r): b for r, b in zip(self._mirror.replicas, self._copies, strict=True)}
        self._mirror._replicate(
            "a batch", lambda r: copies[id(r)].__exit__(exc_type, exc, tb))


def _put(replica: PersiDict, key: Any, value: Any) -> None:
    if replica.immutable_items:
        replica.add(key, value)  # present already: it holds the value copied before
    else:
        replica[key] = value


def _put_many(replica: PersiDict, pairs: list[tuple[Any, Any]]) -> None:
    if replica.immutable_items:
        replica.add_many([(k, v) for k, v in pairs if not isinstance(v, Joker)])
    else:
        replica.set_many(pairs)


def _attempt(action: Callable[[PersiDict], Any], replica: PersiDict) -> Exception | None:
    try:
        action(replica)
    except Exception as e:  # reported by the caller, with the replica it came from
        return e
    return None


def mirror(primary: PersiDict, *replicas: PersiDict) -> MirrorDict:
    """Mirror ``primary`` to ``replicas`` (see :class:`MirrorDict`)."""
    return MirrorDict(primary, replicas)
