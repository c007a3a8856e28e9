"""read_only(d) and write_only(d): one dict, with half of its API refused.

A refusal raises before anything reaches the store, so it changes nothing. Both
errors subclass ``PermissionError``: ``except PermissionError`` catches them.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable, Iterator, ValuesView
from contextlib import AbstractContextManager
from types import FrameType
from typing import Any, NoReturn

from ._atomic import _MISSING
from .batch import Batch
from .errors import ReadOnlyError, WriteOnlyError
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .wrappers import PersiDictWrapper
from .wrappers import shown_key as _shown


class ReadOnlyDict(PersiDictWrapper):
    """``d`` for reading: reads, listings, time order and queries work; every write,
    delete and atomic update raises :class:`ReadOnlyError` (a ``PermissionError``).

    ``lock()`` is refused too: taking it writes a lock file (a lease object on S3).

    >>> from persidict import LocalDict
    >>> d = LocalDict()
    >>> d["k"] = 1
    >>> view = read_only(d)
    >>> view["k"]
    1
    >>> view["k"] = 2
    Traceback (most recent call last):
    persidict.errors.ReadOnlyError: cannot set ('k',): this dict is read-only
    """

    def _refuse(self, operation: str, key: Any = None) -> NoReturn:
        what = operation if key is None else f"{operation} {_shown(key)}"
        raise ReadOnlyError(f"cannot {what}: this dict is read-only")

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._refuse("set", key)

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        self._refuse("delete", key)

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        self._refuse("delete", key)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        self._refuse("set", key)

    def purge_expired(self) -> int:
        self._refuse("purge_expired()")

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        self._refuse("compare_and_set", key)

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        self._refuse("compare_and_delete", key)

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        self._refuse("add", key)

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        """``d[key]``; :class:`ReadOnlyError` if ``key`` is absent (it would be set)."""
        try:
            return self._inner[key]
        except KeyError:
            self._refuse("setdefault", key)

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        self._refuse("pop", key)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        self._refuse("popitem()")

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        self._refuse("transform", key)

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        self._refuse("incr", key)

    def lock(self, key: NonEmptySafeStrTuple,
             timeout: float | None = None) -> AbstractContextManager[None]:
        self._refuse("lock", key)

    def set_many(self, items: Any) -> None:
        self._refuse("set_many()")

    def add_many(self, items: Any) -> list[SafeStrTuple]:
        self._refuse("add_many()")

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        self._refuse("update()")

    def batch(self, *, max_pending: int = 1000) -> Batch:
        self._refuse("batch()")

    def clear(self) -> None:
        self._refuse("clear()")


class WriteOnlyDict(PersiDictWrapper):
    """``d`` as a drop box: writes, deletes, ``in``, ``add`` and the conditional
    writes work (they tell no more than ``in`` does); every read of a value or a
    timestamp, listing and query raises :class:`WriteOnlyError` (a
    ``PermissionError``). So do the operations that return the value they replace
    (``pop``, ``setdefault``, ``transform``, ``incr``) and those that list
    (``clear``, ``popitem``, ``purge_expired``).

    >>> from persidict import LocalDict
    >>> box = write_only(LocalDict())
    >>> box["report"] = "done"
    >>> "report" in box
    True
    >>> len(box)
    Traceback (most recent call last):
    persidict.errors.WriteOnlyError: cannot list the keys: this dict is write-only
    """

    def _refuse(self, operation: str, key: Any = None) -> NoReturn:
        what = operation if key is None else f"{operation} {_shown(key)}"
        raise WriteOnlyError(f"cannot {what}: this dict is write-only")

    def __getitem__(self, key: NonEmptySafeStrTuple) -> Any:
        self._refuse("read", key)

    def holds(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        self._refuse("read", key)

    def timestamp(self, key: NonEmptySafeStrTuple) -> float:
        self._refuse("read the timestamp of", key)

    def expires_at(self, key: NonEmptySafeStrTuple) -> float | None:
        self._refuse("read the expiry of", key)

    def etag(self, key: NonEmptySafeStrTuple) -> str:
        self._refuse("read the etag of", key)

    def get_with_etag(self, key: NonEmptySafeStrTuple) -> tuple[Any, str]:
        self._refuse("read", key)

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        self._refuse("setdefault (it returns the stored value)", key)

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        self._refuse("pop (it returns the stored value)", key)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        self._refuse("popitem()")

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        self._refuse("transform (it reads the stored value)", key)

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        self._refuse("incr (it returns the stored value)", key)

    def purge_expired(self) -> int:
        self._refuse("purge_expired() (it lists the keys)")

    def _iter_keys(self, caller: FrameType) -> Iterator[SafeStrTuple]:
        self._refuse("list the keys")

    def _count_keys(self, caller: FrameType) -> int:
        self._refuse("list the keys")

    def items(self) -> ItemsView[SafeStrTuple, Any]:
        self._refuse("list the items")

    def values(self) -> ValuesView[Any]:
        self._refuse("list the values")

    def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        self._refuse("get_many()")

    def clear(self) -> None:
        self._refuse("clear() (it lists the keys)")

    def random_key(self) -> SafeStrTuple | None:
        self._refuse("list the keys")

    def keys_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, float]]:
        self._refuse("list the keys")

    def values_and_timestamps(self) -> Iterator[tuple[Any, float]]:
        self._refuse("list the values")

    def items_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, Any, float]]:
        self._refuse("list the items")

    def newest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        self._refuse("list the keys")

    def oldest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        self._refuse("list the keys")

    def newest_values(self, max_n: int | None = None) -> list[Any]:
        self._refuse("list the values")

    def oldest_values(self, max_n: int | None = None) -> list[Any]:
        self._refuse("list the values")

    def query(self, prefix: Any = (), **options: Any) -> Iterator[tuple[SafeStrTuple, Any]]:
        self._refuse("query()")

    def query_keys(self, prefix: Any = (), **options: Any) -> Iterator[SafeStrTuple]:
        self._refuse("query_keys()")

    def filter(self, pred: Callable[[Any], Any]) -> Iterator[Any]:
        self._refuse("filter()")

    def first(self, pred: Callable[[Any], Any]) -> Any:
        self._refuse("first()")

    def subdicts(self) -> dict[str, PersiDict]:
        self._refuse("list the subdicts")

    def __str__(self) -> str:
        return repr(self)  # str(d) would list the items


def read_only(d: PersiDict) -> ReadOnlyDict:
    """``d`` for reading only (see :class:`ReadOnlyDict`).

    Raises:
        TypeError: if ``d`` is not a PersiDict.
    """
    return ReadOnlyDict(d)


def write_only(d: PersiDict) -> WriteOnlyDict:
    """``d`` as a drop box (see :class:`WriteOnlyDict`).

    Raises:
        TypeError: if ``d`` is not a PersiDict.
    """
    return WriteOnlyDict(d)
