"""Collections: objects stored under a key computed from one of their fields.

The contract. ``c = d.collection(key=lambda m: m.name)`` stores each object at
``key(obj)`` in ``d`` and hands out :class:`~persidict.proxy.Proxy`s over them.
A proxy of a collection refuses a change that would change its object's key
(``ValueError``, and the object is restored): moving an object between two keys
cannot be one atomic step on a folder or on S3, so the caller deletes it and
adds it anew, where each step is atomic and visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .proxy import Proxy, commit_all
from .safe_str_tuple import SafeStrTuple

if TYPE_CHECKING:
    from .persi_dict import PersiDict


class Collection:
    """Objects in ``d``, each under ``key(obj)``.

    >>> from persidict import LocalDict
    >>> people = LocalDict().collection(key=lambda m: m["name"])
    >>> dennis = people.add({"name": "dennis", "age": 41})
    >>> dennis.age += 1
    >>> "dennis" in people, people.first(lambda m: m["age"] > 40).age
    (True, 42)
    """

    def __init__(self, d: PersiDict, key: Callable[[Any], Any], *,
                 save_on_change: bool = True) -> None:
        if not callable(key):
            raise TypeError(f"key must be a callable (object -> key), not {type(key).__name__}")
        if not isinstance(save_on_change, bool):
            raise TypeError(f"save_on_change must be a bool, not {type(save_on_change).__name__}")
        self._d = d
        self._key_of = key
        self._save_on_change = save_on_change

    @property
    def dict(self) -> PersiDict:
        """The dict the objects are stored in."""
        return self._d

    def key_of(self, obj: Any) -> SafeStrTuple:
        """The key ``obj`` is stored under.

        Raises:
            TypeError, ValueError: if ``key(obj)`` is not a valid key.
        """
        return SafeStrTuple(self._key_of(obj))

    def add(self, obj: Any) -> Proxy:
        """Store ``obj`` under its key if that key is free (atomically); return its proxy.

        Raises:
            KeyError: if the key is taken (nothing is written).
            TypeError: if ``obj``'s fields cannot be set.
        """
        key = self._checked_key(obj)
        if not self._d.add(key, obj):
            raise KeyError(f"{key!r} is already in the collection (set() replaces it)")
        return self.get(key)

    def set(self, obj: Any) -> Proxy:
        """Store ``obj`` under its key, replacing any object there; return its proxy."""
        key = self._checked_key(obj)
        self._d[key] = obj
        return self.get(key)

    def get(self, key: Any) -> Proxy:
        """The proxy of the object at ``key``.

        Raises:
            KeyError: if there is none.
        """
        return Proxy(self._d, key, save_on_change=self._save_on_change, key_of=self._key_of)

    __getitem__ = get

    def delete(self, obj_or_key: Any) -> None:
        """Delete an object, given itself (or a proxy of it) or its key.

        Raises:
            KeyError: if it is not in the collection.
        """
        del self._d[self._key_for(obj_or_key)]

    def __contains__(self, obj_or_key: object) -> bool:
        return self._key_for(obj_or_key) in self._d

    def __len__(self) -> int:
        return len(self._d)

    def __iter__(self) -> Iterator[Proxy]:
        return (self.get(key) for key in self._d)

    def all(self) -> list[Proxy]:
        """A proxy of every object, in key order."""
        return [self.get(key) for key in sorted(self._d)]

    def filter(self, pred: Callable[[Any], Any]) -> list[Proxy]:
        """Proxies of the objects for which ``pred(obj)`` holds, in key order."""
        pred = _checked(pred)
        return [self.get(key) for key, obj in self._items() if pred(obj)]

    def first(self, pred: Callable[[Any], Any]) -> Proxy | None:
        """The proxy of the first object (in key order) for which ``pred(obj)``
        holds; ``None`` if none does."""
        pred = _checked(pred)
        return next((self.get(key) for key, obj in self._items() if pred(obj)), None)

    def commit_all(self) -> int:
        """Commit every proxy this collection handed out that has unsaved changes;
        return how many saved."""
        return commit_all(self._d, self._key_of)

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """:meth:`commit_all` on a clean exit; after an exception nothing is saved."""
        if exc_type is None:
            self.commit_all()

    def _items(self) -> Iterator[tuple[SafeStrTuple, Any]]:
        return iter(sorted(self._d.items(), key=lambda item: item[0]))

    def _checked_key(self, obj: Any) -> SafeStrTuple:
        from ._fields import check_settable

        key = self.key_of(obj)
        check_settable(obj, key)
        return key

    def _key_for(self, obj_or_key: Any) -> SafeStrTuple:
        if isinstance(obj_or_key, Proxy):
            return obj_or_key.key
        if isinstance(obj_or_key, (str, tuple, list)):
            return SafeStrTuple(obj_or_key)
        return self.key_of(obj_or_key)


def _checked(pred: Any) -> Callable[[Any], Any]:
    if not callable(pred):
        raise TypeError(f"pred must be callable, not {type(pred).__name__}")
    return pred
