"""logged(d): one ``logging`` record per operation, with its key and duration.

A record's message reads ``"<op> <key> on <url>: <ms> ms"`` (``failed with
<Error>`` appended when it raised); it also carries the attributes
``persidict_op``, ``persidict_key`` (``None`` for whole-dict operations),
``persidict_seconds`` and ``persidict_error`` for handlers and filters. An
iteration is one record, made when it ends, with the number of items it gave.
When the logger is not enabled for the level, no clock is read.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, ItemsView, Iterable, Iterator, ValuesView
from contextlib import AbstractContextManager
from types import FrameType
from typing import Any, TypeVar

from ._atomic import _MISSING
from .batch import Batch
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .wrappers import PersiDictWrapper, shown_key

_R = TypeVar("_R")
_T = TypeVar("_T")


class LoggedDict(PersiDictWrapper):
    """``d``, logging each operation to ``logger`` (default: the ``"persidict"``
    logger) at ``level`` (default ``logging.DEBUG``).

    >>> import logging
    >>> from persidict import LocalDict
    >>> d = logged(LocalDict(), logging.getLogger("doc"), logging.INFO)
    >>> d["k"] = 1
    >>> d.level == logging.INFO and d["k"] == 1
    True

    Raises:
        TypeError: for an ``inner`` that is not a PersiDict, a ``logger`` that is
            not a ``logging.Logger`` or a name, or a ``level`` that is not an int.
    """

    def __init__(self, inner: PersiDict, logger: logging.Logger | str | None = None,
                 level: int = logging.DEBUG) -> None:
        super().__init__(inner)
        if logger is None or isinstance(logger, str):
            logger = logging.getLogger(logger or "persidict")
        if not isinstance(logger, logging.Logger):
            raise TypeError(f"logger must be a logging.Logger or a name, not"
                            f" {type(logger).__name__}")
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError(f"level must be an int (logging.DEBUG...), not"
                            f" {type(level).__name__}")
        self._logger = logger
        self._level = level

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    @property
    def level(self) -> int:
        return self._level

    def get_params(self) -> dict[str, Any]:
        return {"inner": self._inner, "logger": self._logger, "level": self._level}

    # --- the record

    def _call(self, op: str, key: Any, fn: Callable[..., _R], *args: Any, **kw: Any) -> _R:
        if not self._logger.isEnabledFor(self._level):
            return fn(*args, **kw)
        start = time.perf_counter()
        error = None
        try:
            return fn(*args, **kw)
        except BaseException as e:
            error = e
            raise
        finally:
            self._log(op, key, time.perf_counter() - start, error)

    def _iterated(self, op: str, items: Iterable[_T], key: Any = None) -> Iterator[_T]:
        """``items``, logged as one record when the iteration ends."""
        if not self._logger.isEnabledFor(self._level):
            yield from items
            return
        start, count, error = time.perf_counter(), 0, None
        try:
            for item in items:
                count += 1
                yield item
        except BaseException as e:
            error = e
            raise
        finally:
            self._log(f"{op} ({count} items)", key, time.perf_counter() - start, error)

    def _log(self, op: str, key: Any, seconds: float, error: BaseException | None) -> None:
        where = f"{op} {shown_key(key)}" if key is not None else op
        failed = "" if error is None else f" failed with {type(error).__name__}"
        self._logger.log(self._level, "%s on %s: %.3f ms%s", where, self._inner.base_url,
                         seconds * 1e3, failed,
                         extra={"persidict_op": op.partition(" ")[0], "persidict_key": key,
                                "persidict_seconds": seconds,
                                "persidict_error": None if error is None else repr(error)})

    # --- single items

    def __getitem__(self, key: NonEmptySafeStrTuple) -> Any:
        return self._call("get", key, self._inner.__getitem__, key)

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self._call("set", key, self._inner.__setitem__, key, value)

    def __delitem__(self, key: NonEmptySafeStrTuple) -> None:
        self._call("delete", key, self._inner.__delitem__, key)

    def __contains__(self, key: object) -> bool:
        return self._call("contains", key, self._inner.__contains__, key)

    def delete_if_exists(self, key: NonEmptySafeStrTuple) -> bool:
        return self._call("delete_if_exists", key, self._inner.delete_if_exists, key)

    def holds(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        return self._call("holds", key, self._inner.holds, key, value)

    def timestamp(self, key: NonEmptySafeStrTuple) -> float:
        return self._call("timestamp", key, self._inner.timestamp, key)

    def purge_expired(self) -> int:
        return self._call("purge_expired", None, self._inner.purge_expired)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        self._call("set", key, self._inner.set, key, value, ttl=ttl)

    def expires_at(self, key: NonEmptySafeStrTuple) -> float | None:
        return self._call("expires_at", key, self._inner.expires_at, key)

    def etag(self, key: NonEmptySafeStrTuple) -> str:
        return self._call("etag", key, self._inner.etag, key)

    def get_with_etag(self, key: NonEmptySafeStrTuple) -> tuple[Any, str]:
        return self._call("get_with_etag", key, self._inner.get_with_etag, key)

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        return self._call("compare_and_set", key, self._inner.compare_and_set, key, value, etag)

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        return self._call("compare_and_delete", key, self._inner.compare_and_delete, key, etag)

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        return self._call("add", key, self._inner.add, key, value)

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        return self._call("setdefault", key, self._inner.setdefault, key, default)

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        return self._call("pop", key, self._inner.pop, key, default)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        return self._call("popitem", None, self._inner.popitem)

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        return self._call("transform", key, self._inner.transform, key, fn,
                          default=default, retries=retries)

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        return self._call("incr", key, self._inner.incr, key, delta, default)

    def lock(self, key: NonEmptySafeStrTuple,
             timeout: float | None = None) -> AbstractContextManager[None]:
        return self._call("lock", key, self._inner.lock, key, timeout)

    # --- many items

    def _iter_keys(self, caller: FrameType) -> Iterator[SafeStrTuple]:
        return self._iterated("iter", self._inner._iter_keys(caller))

    def _count_keys(self, caller: FrameType) -> int:
        return self._call("len", None, self._inner._count_keys, caller)

    def items(self) -> ItemsView[SafeStrTuple, Any]:
        return _LoggedItems(self)

    def values(self) -> ValuesView[Any]:
        return _LoggedValues(self)

    def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        return self._call("get_many", None, self._inner.get_many, keys)

    def set_many(self, items: Any) -> None:
        self._call("set_many", None, self._inner.set_many, items)

    def add_many(self, items: Any) -> list[SafeStrTuple]:
        return self._call("add_many", None, self._inner.add_many, items)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        self._call("update", None, self._inner.update, other, **kwargs)

    def batch(self, *, max_pending: int = 1000) -> Batch:
        """The inner dict's batch (its flushes are not logged one by one)."""
        return self._call("batch", None, self._inner.batch, max_pending=max_pending)

    def clear(self) -> None:
        self._call("clear", None, self._inner.clear)

    def random_key(self) -> SafeStrTuple | None:
        return self._call("random_key", None, self._inner.random_key)

    def keys_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, float]]:
        return self._iterated("keys_and_timestamps", self._inner.keys_and_timestamps())

    def values_and_timestamps(self) -> Iterator[tuple[Any, float]]:
        return self._iterated("values_and_timestamps", self._inner.values_and_timestamps())

    def items_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, Any, float]]:
        return self._iterated("items_and_timestamps", self._inner.items_and_timestamps())

    def newest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        return self._call("newest_keys", None, self._inner.newest_keys, max_n)

    def oldest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        return self._call("oldest_keys", None, self._inner.oldest_keys, max_n)

    def newest_values(self, max_n: int | None = None) -> list[Any]:
        return self._call("newest_values", None, self._inner.newest_values, max_n)

    def oldest_values(self, max_n: int | None = None) -> list[Any]:
        return self._call("oldest_values", None, self._inner.oldest_values, max_n)

    def query(self, prefix: Any = (), **options: Any) -> Iterator[tuple[SafeStrTuple, Any]]:
        return self._iterated("query", self._inner.query(prefix, **options), prefix or None)

    def query_keys(self, prefix: Any = (), **options: Any) -> Iterator[SafeStrTuple]:
        return self._iterated("query_keys", self._inner.query_keys(prefix, **options),
                              prefix or None)

    def filter(self, pred: Callable[[Any], Any]) -> Iterator[Any]:
        return self._iterated("filter", self._inner.filter(pred))

    def first(self, pred: Callable[[Any], Any]) -> Any:
        return self._call("first", None, self._inner.first, pred)


class _LoggedItems(ItemsView[SafeStrTuple, Any]):
    # Frames passed on as PersiDict's views do: list(d.items()) lists once.
    _mapping: LoggedDict

    def __len__(self) -> int:
        return self._mapping._count_keys(sys._getframe(1))

    def __iter__(self) -> Iterator[tuple[SafeStrTuple, Any]]:
        inner = self._mapping.inner
        items = inner._read_items(inner._iter_keys(sys._getframe(1)))
        return self._mapping._iterated("items", items)


class _LoggedValues(ValuesView[Any]):
    _mapping: LoggedDict

    def __len__(self) -> int:
        return self._mapping._count_keys(sys._getframe(1))

    def __iter__(self) -> Iterator[Any]:
        inner = self._mapping.inner
        items = inner._read_items(inner._iter_keys(sys._getframe(1)))
        return self._mapping._iterated("values", (value for _, value in items))


def logged(d: PersiDict, logger: logging.Logger | str | None = None,
           level: int = logging.DEBUG) -> LoggedDict:
    """``d``, logging each operation (see :class:`LoggedDict`)."""
    return LoggedDict(d, logger, level)
