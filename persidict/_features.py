"""The thin methods by which PersiDict reaches the features kept in modules of their
own: change history and events (history.py, events.py), sort-key queries (query.py),
proxies and collections (proxy.py, collection.py) and the async twin (aio.py). Each
hands the dict to its module and does nothing else; PersiDict inherits them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import events
from . import history as _history
from . import proxy as _proxy
from . import query as _query
from .collection import Collection
from .proxy import Proxy
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple

if TYPE_CHECKING:
    from .aio import AsyncPersiDict
    from .persi_dict import PersiDict


class FeatureMethods:
    """Mixed into PersiDict only."""

    @property
    def _dict(self) -> PersiDict[Any]:
        return self  # type: ignore[return-value]  # this class is only ever a PersiDict

    def aio(self) -> AsyncPersiDict:
        """The awaitable twin of this dict (see :mod:`persidict.aio`)."""
        from .aio import AsyncPersiDict  # here: aio.py imports this module

        return AsyncPersiDict(self._dict)

    # --- history and events (history.py, events.py)

    def history(self, key: NonEmptySafeStrTuple, limit: int | None = None) -> list[_history.Change]:
        """The changes of ``key``, newest first (needs ``history=True``)."""
        return _history.history(self._dict, key, limit)

    def changes(self, since: float | None = None, until: float | None = None,
                limit: int | None = None) -> Iterator[_history.Change]:
        """The change feed: every key's changes, ``since <= time < until``, oldest first."""
        return _history.changes(self._dict, since, until, limit)

    def watch(self, since: float | None = None, poll: float = 1.0) -> Iterator[_history.Change]:
        """The change feed from ``since`` (default: now) on, polled every ``poll`` s."""
        return _history.watch(self._dict, since, poll)

    def revert(self, key: NonEmptySafeStrTuple, change: _history.Change) -> None:
        """Put back what ``change`` replaced, if ``key`` still holds what it left."""
        _history.revert(self._dict, key, change)

    def prune_history(self, *, before: float) -> int:
        """Delete the history records older than ``before``; return how many."""
        return _history.prune(self._dict, before)

    def subscribe(self, callback: Callable[[_history.Change], Any],
                  ops: Iterable[str] = ("set", "delete")) -> events.Subscription:
        """Call ``callback(change)`` after each change made in this process."""
        return events.subscribe(self._dict, callback, ops)

    # --- sort-key queries (query.py)

    def query(self, prefix: Any = (), *, start: Any = None, stop: Any = None,
              starts_with: str | None = None, reverse: bool = False, limit: int | None = None,
              where: Callable[[Any], Any] | None = None) -> Iterator[tuple[SafeStrTuple, Any]]:
        """Yield ``(key, value)`` for the items under ``prefix`` in sort-key order (the
        rest of the key, in tuple order): ``start`` <= sort key < ``stop``, its first
        part starting with ``starts_with``, ``where(value)`` true, at most ``limit``."""
        return _query.query(self._dict, prefix, start=start, stop=stop, starts_with=starts_with,
                            reverse=reverse, limit=limit, where=where)

    def query_keys(self, prefix: Any = (), *, start: Any = None, stop: Any = None,
                   starts_with: str | None = None, reverse: bool = False,
                   limit: int | None = None) -> Iterator[SafeStrTuple]:
        """The keys :meth:`query` would give, reading no value."""
        return _query.query_keys(self._dict, prefix, start=start, stop=stop,
                                 starts_with=starts_with, reverse=reverse, limit=limit)

    def filter(self, pred: Callable[[Any], Any]) -> Iterator[Any]:
        """Yield the values for which ``pred(value)`` holds, in key order."""
        return _query.filter_values(self._dict, pred)

    def first(self, pred: Callable[[Any], Any]) -> Any:
        """The first value in key order for which ``pred(value)`` holds, or ``None``."""
        return _query.first_value(self._dict, pred)

    # --- proxies (proxy.py, collection.py)

    def proxy(self, key: NonEmptySafeStrTuple, *, save_on_change: bool = True) -> Proxy:
        """A proxy recording and saving field changes of the object at ``key`` (proxy.py)."""
        return Proxy(self._dict, key, save_on_change=save_on_change)

    def collection(self, key: Callable[[Any], Any], *, save_on_change: bool = True) -> Collection:
        """The objects of this dict, each stored under ``key(obj)`` (collection.py)."""
        return Collection(self._dict, key, save_on_change=save_on_change)

    def commit_all(self) -> int:
        """Commit every open proxy of this dict with unsaved changes; return how many."""
        return _proxy.commit_all(self._dict)
