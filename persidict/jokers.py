"""Joker values: stored as ``d[k] = joker`` they change the item instead of being stored."""

from __future__ import annotations

from typing import Any


class Joker:
    """Base of the singleton joker values; one instance per subclass."""

    _instances: dict[type, Joker] = {}

    def __new__(cls) -> Any:
        if cls is Joker:
            raise TypeError("Joker is abstract; use KEEP_CURRENT or DELETE_CURRENT")
        if cls not in Joker._instances:
            Joker._instances[cls] = super().__new__(cls)
        return Joker._instances[cls]

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return type(self), ()

    def __repr__(self) -> str:
        return type(self).__name__


class KeepCurrentFlag(Joker):
    """``d[k] = KEEP_CURRENT`` leaves the item as it is."""


class DeleteCurrentFlag(Joker):
    """``d[k] = DELETE_CURRENT`` deletes the item if it exists."""


KEEP_CURRENT = KeepCurrentFlag()
DELETE_CURRENT = DeleteCurrentFlag()
KeepCurrent = KEEP_CURRENT  # the seed's names of the same singletons
DeleteCurrent = DELETE_CURRENT
