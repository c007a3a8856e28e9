"""The views of a PersiDict: its keys, items and values, and its subdicts (the items
under a key prefix, with the prefix removed: a PersiDict over a substore).

The key, item and value views pass their caller's frame on, so that
``list(d.keys())`` lists the store once, as ``list(d)`` does (see _listing.py)."""

from __future__ import annotations

import copy
import sys
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import TYPE_CHECKING, Any

from .safe_str_tuple import SafeStrTuple

if TYPE_CHECKING:
    from .persi_dict import PersiDict


def subdict(d: PersiDict, prefix: SafeStrTuple) -> PersiDict:
    """``d.get_subdict(prefix)``: a copy of ``d`` over the substore of ``prefix``."""
    derived = copy.copy(d)
    derived._store = d.store.substore(d._naming.dir_name(prefix))
    return derived


def subdicts(d: PersiDict) -> dict[str, PersiDict]:
    """``d.subdicts()``: the subdict of every first key part with live keys under it."""
    found = {}
    for dir_name in d.store.dirs():
        component = d._naming.dir_key(dir_name)
        if component is None:
            continue
        derived = copy.copy(d)
        derived._store = d.store.substore(dir_name)
        if next(iter(derived), None) is not None:
            found[component] = derived
    return found


class Keys(KeysView[SafeStrTuple]):
    _mapping: PersiDict

    def __len__(self) -> int:
        return self._mapping._count_keys(sys._getframe(1))

    def __iter__(self) -> Iterator[SafeStrTuple]:
        return self._mapping._iter_keys(sys._getframe(1))


class Items(ItemsView[SafeStrTuple, Any]):
    _mapping: PersiDict

    def __len__(self) -> int:
        return self._mapping._count_keys(sys._getframe(1))

    def __iter__(self) -> Iterator[tuple[SafeStrTuple, Any]]:
        return self._mapping._read_items(self._mapping._iter_keys(sys._getframe(1)))


class Values(ValuesView[Any]):
    _mapping: PersiDict

    def __len__(self) -> int:
        return self._mapping._count_keys(sys._getframe(1))

    def __iter__(self) -> Iterator[Any]:
        items = self._mapping._read_items(self._mapping._iter_keys(sys._getframe(1)))
        return (value for _, value in items)
