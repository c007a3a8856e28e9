"""PersiDictWrapper: a PersiDict that forwards every call to an inner PersiDict."""

from __future__ import annotations

import copy
from collections.abc import Callable, ItemsView, Iterable, Iterator, ValuesView
from contextlib import AbstractContextManager
from types import FrameType
from typing import Any

from ._atomic import _MISSING
from ._naming import Naming
from .batch import Batch
from .events import Subscription
from .history import Change
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .stores import Store


class PersiDictWrapper(PersiDict):
    """Forwards the whole PersiDict API to ``inner``; subclasses override what they
    change. Derived dicts (subdicts) come back wrapped the same way."""

    def __init__(self, inner: PersiDict) -> None:
        if not isinstance(inner, PersiDict):
            raise TypeError(f"a wrapper takes a PersiDict, not {type(inner).__name__}")
        self._inner = inner

    @property
    def inner(self) -> PersiDict:
        """The wrapped dict."""
        return self._inner

    def _rewrap(self, inner: PersiDict) -> PersiDict:
        wrapper = copy.copy(self)
        wrapper._inner = inner
        return wrapper

    # parameters and identity

    @property
    def file_type(self) -> str:
        return self._inner.file_type

    @property
    def immutable_items(self) -> bool:
        return self._inner.immutable_items

    @property
    def digest_len(self) -> int:
        return self._inner.digest_len

    @property
    def base_class_for_values(self) -> type | None:
        return self._inner.base_class_for_values

    @property
    def ttl(self) -> float | None:
        return self._inner.ttl

    @property
    def item_ttl(self) -> bool:
        return self._inner.item_ttl

    @property
    def compress(self) -> str | None:
        return self._inner.compress

    def get_params(self) -> dict[str, Any]:
        return {"inner": self._inner}

    @property
    def store(self) -> Store:
        return self._inner.store

    @property
    def naming(self) -> Naming:
        return self._inner.naming

    @property
    def base_url(self) -> str:
        return self._inner.base_url

    @property
    def base_dir(self) -> str | None:
        return self._inner.base_dir

    # single items

    def __getitem__(self, key: NonEmptySafeStrTuple) -> Any:
        return self._inner[key]

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._inner[key] = value

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        del self._inner[key]

    def __contains__(self, key: object) -> bool:
        return key in self._inner

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        return self._inner.delete_if_exists(key)

    def holds(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        return self._inner.holds(key, value)

    def timestamp(self, key: NonEmptySafeStrTuple) -> float:
        return self._inner.timestamp(key)

    def purge_expired(self) -> int:
        return self._inner.purge_expired()

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        if ttl is None:
            self[key] = value  # as this wrapper writes
        else:
            self._inner.set(key, value, ttl=ttl)

    def expires_at(self, key: NonEmptySafeStrTuple) -> float | None:
        return self._inner.expires_at(key)

    def etag(self, key: NonEmptySafeStrTuple) -> str:
        return self._inner.etag(key)

    def get_with_etag(self, key: NonEmptySafeStrTuple) -> tuple[Any, str]:
        return self._inner.get_with_etag(key)

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        return self._inner.compare_and_set(key, value, etag)

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        return self._inner.compare_and_delete(key, etag)

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        return self._inner.add(key, value)

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        return self._inner.setdefault(key, default)

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        return self._inner.pop(key, default)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        return self._inner.popitem()

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        return self._inner.transform(key, fn, default=default, retries=retries)

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        return self._inner.incr(key, delta, default)

    def lock(self, key: NonEmptySafeStrTuple,
             timeout: float | None = None) -> AbstractContextManager[None]:
        return self._inner.lock(key, timeout)

    # many items

    def _iter_keys(self, caller: FrameType) -> Iterator[SafeStrTuple]:
        return self._inner._iter_keys(caller)

    def _count_keys(self, caller: FrameType) -> int:
        return self._inner._count_keys(caller)

    def _read_items(self, keys: Iterable[Any]) -> Iterator[tuple[SafeStrTuple, Any]]:
        return self._inner._read_items(keys)

    def items(self) -> ItemsView[SafeStrTuple, Any]:
        return self._inner.items()

    def values(self) -> ValuesView[Any]:
        return self._inner.values()

    def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        return self._inner.get_many(keys)

    def set_many(self, items: Any) -> None:
        self._inner.set_many(items)

    def add_many(self, items: Any) -> list[SafeStrTuple]:
        return self._inner.add_many(items)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        self._inner.update(other, **kwargs)

    def batch(self, *, max_pending: int = 1000) -> Batch:
        # The inner dict's batch: a wrapper that changes writes overrides this too.
        return self._inner.batch(max_pending=max_pending)

    def clear(self) -> None:
        self._inner.clear()

    def random_key(self) -> SafeStrTuple | None:
        return self._inner.random_key()

    def keys_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, float]]:
        return self._inner.keys_and_timestamps()

    def values_and_timestamps(self) -> Iterator[tuple[Any, float]]:
        return self._inner.values_and_timestamps()

    def items_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, Any, float]]:
        return self._inner.items_and_timestamps()

    def newest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        return self._inner.newest_keys(max_n)

    def oldest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        return self._inner.oldest_keys(max_n)

    def newest_values(self, max_n: int | None = None) -> list[Any]:
        return self._inner.newest_values(max_n)

    def oldest_values(self, max_n: int | None = None) -> list[Any]:
        return self._inner.oldest_values(max_n)

    # history and events

    @property
    def keeps_history(self) -> bool:
        return self._inner.keeps_history

    def history(self, key: NonEmptySafeStrTuple, limit: int | None = None) -> list[Change]:
        return self._inner.history(key, limit)

    def changes(self, since: float | None = None, until: float | None = None,
                limit: int | None = None) -> Iterator[Change]:
        return self._inner.changes(since, until, limit)

    def watch(self, since: float | None = None, poll: float = 1.0) -> Iterator[Change]:
        return self._inner.watch(since, poll)

    def revert(self, key: NonEmptySafeStrTuple, change: Change) -> None:
        self._inner.revert(key, change)

    def prune_history(self, *, before: float) -> int:
        return self._inner.prune_history(before=before)

    def subscribe(self, callback: Callable[[Change], Any],
                  ops: Iterable[str] = ("set", "delete")) -> Subscription:
        return self._inner.subscribe(callback, ops)

    # sort-key queries

    def query(self, prefix: Any = (), **options: Any) -> Iterator[tuple[SafeStrTuple, Any]]:
        return self._inner.query(prefix, **options)

    def query_keys(self, prefix: Any = (), **options: Any) -> Iterator[SafeStrTuple]:
        return self._inner.query_keys(prefix, **options)

    def filter(self, pred: Callable[[Any], Any]) -> Iterator[Any]:
        return self._inner.filter(pred)

    def first(self, pred: Callable[[Any], Any]) -> Any:
        return self._inner.first(pred)

    # subdicts

    def get_subdict(self, prefix: NonEmptySafeStrTuple) -> PersiDict:
        return self._rewrap(self._inner.get_subdict(prefix))

    def subdicts(self) -> dict[str, PersiDict]:
        return {k: self._rewrap(v) for k, v in self._inner.subdicts().items()}


def shown_key(key: Any) -> str:
    """``key`` as an error message shows it (a bad key as given)."""
    try:
        return repr(SafeStrTuple(key).strings)
    except (TypeError, ValueError):
        return repr(key)
