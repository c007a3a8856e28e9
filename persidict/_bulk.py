"""The bulk half of PersiDict: many items read or written at once, concurrently where
the store can. Every key and value of a bulk write is checked, and every refusal
raised, before anything is written."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .jokers import DELETE_CURRENT, KEEP_CURRENT
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .ttl import is_index_folder

if TYPE_CHECKING:
    from .persi_dict import PersiDict
    from .ttl import TTL

Items = Mapping[Any, Any] | Iterable[tuple[Any, Any]]


def pairs_of(items: Items) -> Iterable[tuple[Any, Any]]:
    """The ``(key, value)`` pairs of a mapping or of an iterable of pairs."""
    return items.items() if isinstance(items, Mapping) else items


def update_pairs(other: Any, kwargs: dict[str, Any]) -> list[tuple[Any, Any]]:
    """The pairs ``dict.update(other, **kwargs)`` would apply, in its order."""
    if isinstance(other, Mapping):
        pairs = list(other.items())
    elif hasattr(other, "keys"):
        pairs = [(k, other[k]) for k in other.keys()]  # noqa: SIM118 - dict.update protocol
    else:
        pairs = list(other)
    return pairs + list(kwargs.items())


def read_items(d: PersiDict, keys: Iterable[Any]) -> Iterator[tuple[SafeStrTuple, Any]]:
    """Yield ``(key, value)`` for the keys still present (and live), in order."""
    pending: deque[SafeStrTuple] = deque()
    names = _names_noting(d, keys, pending)
    if d._ttl is not None:
        yield from _read_live_items(d, d._ttl, names, pending)
        return
    for _, data in d._store.read_many(names):
        key = pending.popleft()
        if data is not None:
            yield key, d._decode(key, data)


def _read_live_items(d: PersiDict, ttl: TTL, names: Iterator[str],
                     pending: deque[SafeStrTuple]) -> Iterator[tuple[SafeStrTuple, Any]]:
    for _, found in d._store.read_many_with_info(names):
        key = pending.popleft()
        if found is not None and ttl.is_live(found[1], found[0]):
            yield key, d._decode(key, found[0])


def _names_noting(d: PersiDict, keys: Iterable[Any],
                  pending: deque[SafeStrTuple]) -> Iterator[str]:
    for key in keys:
        key = SafeStrTuple(key)
        pending.append(key)
        yield d._name_of(key)


def all_names(d: PersiDict) -> Iterator[str]:
    """The names of every item of ``d``, expired ones too, and of their index entries
    (what ``clear()`` deletes)."""
    keys_in, name = d._naming.keys_in, d._naming.name
    for folder, leaves in d.store.names_by_folder(d._naming.suffix):
        if is_index_folder(folder):
            yield from (f"{folder}/{leaf}" for leaf in leaves)
        else:
            yield from (name(key) for key in keys_in(folder, leaves))


def get_many(d: PersiDict, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
    """The values of ``keys`` in order; ``KeyError`` for a missing one."""
    if isinstance(keys, (str, SafeStrTuple)):
        raise TypeError(f"get_many takes an iterable of keys, not the one key {keys!r}")
    wanted = [SafeStrTuple(k) for k in keys]
    found = dict(read_items(d, wanted))
    missing = [k for k in wanted if k not in found]
    if missing:
        raise KeyError(missing[0])
    return [found[k] for k in wanted]


def set_many(d: PersiDict, items: Items) -> None:
    """Apply the items in order, as ``dict.update`` does: for one key the last item
    wins, and ``KEEP_CURRENT`` leaves what came before it (or what is stored)."""
    final: dict[str, tuple[Any, bytes | None]] = {}  # name -> (key, bytes or None: delete)
    for key, value in pairs_of(items):
        name = d._name_of(key)
        if value is KEEP_CURRENT:
            continue
        if value is DELETE_CURRENT:
            d._refuse_change(key)
            final[name] = key, None
            continue
        if d.immutable_items and name in final:
            raise KeyError(f"{key!r} is given twice and this dict is write-once"
                           " (immutable_items=True)")
        final[name] = key, d._encode(value)
    writes = [(name, data) for name, (_, data) in final.items() if data is not None]
    if d.immutable_items:
        present = _over_expired(d, d._store.create_many(writes), dict(writes))
        if present:
            raise KeyError(f"{final[present[0]][0]!r} is already set and this dict is"
                           " write-once (immutable_items=True)")
    else:
        d._store.write_many(writes)
    deletes = [name for name, (_, data) in final.items() if data is None]
    if deletes:
        d._store.delete_many(deletes)


def add_many(d: PersiDict, items: Items) -> list[SafeStrTuple]:
    """:meth:`PersiDict.add` each item; return the keys that were present already, or
    given twice, whose values stay as they were."""
    keys_by_name: dict[str, SafeStrTuple] = {}
    encoded, repeated = [], []
    for key, value in pairs_of(items):
        key = SafeStrTuple(key)
        name = d._name_of(key)
        if name in keys_by_name:
            repeated.append(key)
        else:
            keys_by_name[name] = key
            encoded.append((name, d._encode(value)))
    present = _over_expired(d, d._store.create_many(encoded), dict(encoded))
    return [keys_by_name[name] for name in present] + repeated


def _over_expired(d: PersiDict, present: list[str], data: dict[str, bytes]) -> list[str]:
    """The names of ``present`` still present once each expired one is replaced
    (conditionally on the version seen) by its ``data``."""
    if d._ttl is None or not present:
        return present
    return [name for name in present if not d._create(name, data[name])]
