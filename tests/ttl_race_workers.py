"""Worker functions for tests/test_ttl_races.py (importable by spawned processes)."""

from __future__ import annotations

from typing import Any

import persidict.ttl
from persidict import PersiDict


def add_over_expired(idx: int, d: PersiDict, keys: list[str], now: float) -> list[bool]:
    """With the reader's clock stopped at ``now`` (the old items are expired, every
    later write is live), ``add`` each key; return which adds won."""
    persidict.ttl.clock = lambda: now
    return [d.add(key, idx) for key in keys]


def counters_from_expired(idx: int, d: PersiDict, key: str, n: int, now: float) -> list[Any]:
    """``n`` increments of a counter whose old value is expired at ``now``."""
    persidict.ttl.clock = lambda: now
    return [d.incr(key) for _ in range(n)]
