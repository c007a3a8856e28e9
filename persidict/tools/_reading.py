"""Reading both sides of a copy in bulk: chunks, content MD5s, values, each failure
kept by key (a bulk read that fails is redone one item at a time to tell which)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..persi_dict import PersiDict
from ..safe_str_tuple import SafeStrTuple
from ..stores import ItemInfo, Store

CHUNK = 256  # items read and written per bulk call (and per progress report)
_MD5 = re.compile("[0-9a-f]{32}")


def content_md5s(store: Store, infos: list[ItemInfo]) -> dict[str, str]:
    """The content MD5 of each listed name still there: from the listing where it
    carries them, else by reading (concurrently where the store can)."""
    found, unread = {}, []
    for info in infos:
        if store.content_md5_in_listing and _MD5.fullmatch(info.etag):
            found[info.name] = info.etag
        else:
            unread.append(info.name)
    for chunk in chunks(unread):
        for name, data in read_each(store, chunk, {}, {}):
            if data is not None:
                found[name] = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return found


def read_each(store: Store, names: list[str], failed: dict[SafeStrTuple, Exception],
               keys: dict[str, SafeStrTuple]) -> Iterator[tuple[str, bytes | None]]:
    """``store.read_many(names)``; if it fails, one name at a time, each failure
    noted in ``failed`` under its key (or left out, with no key)."""
    try:
        yield from list(store.read_many(names))
        return
    except Exception:  # told apart name by name below
        pass
    for name in names:
        try:
            yield name, store.read_or_none(name)
        except Exception as e:  # reported by key
            if name in keys:
                failed[keys[name]] = e


def values_of(d: PersiDict[Any], keys: list[SafeStrTuple],
            failed: dict[SafeStrTuple, Exception] | None = None) -> dict[SafeStrTuple, Any]:
    """The values of ``keys`` still in ``d`` (one bulk read; if it fails, one key at
    a time, each failure noted in ``failed``)."""
    try:
        return dict(zip(keys, d.get_many(keys), strict=True))
    except Exception:  # a key gone or failing: told apart below
        pass
    found = {}
    for key in keys:
        try:
            found[key] = d[key]
        except KeyError:
            continue
        except Exception as e:  # reported by key
            if failed is not None:
                failed[key] = e
    return found


def values_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # e.g. numpy arrays: an ambiguous truth value is "differs"
        return False


def chunks(items: Iterable[SafeStrTuple] | list[str]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
