"""Worker functions for the multi-process history tests (importable by spawned processes)."""

from __future__ import annotations

import os
from typing import Any

from persidict import PersiDict


def change_many(idx: int, d: PersiDict, m: int) -> int:
    """``m`` changes: every other one on a key all workers share, the rest on this
    worker's own key (a set, then a delete, in turn); return this process id."""
    for j in range(m):
        if j % 2 == 0:
            d["shared"] = (idx, j)
        elif j % 4 == 1:
            d[f"own{idx}"] = j
        else:
            del d[f"own{idx}"]
    return os.getpid()


def die_after_value_write(d: PersiDict, key: str, value: Any) -> None:
    """Write ``value`` and die (``os._exit``) right after the value is stored, before
    its history record is written."""
    from persidict._recording import Journal

    def die(self: Journal, records: Any) -> None:
        os._exit(9)

    Journal._write_records = die  # type: ignore[method-assign]
    d[key] = value


def write_slowly(d: PersiDict, n: int, pause: float) -> None:
    """``n`` writes, ``pause`` seconds apart, for a watcher in another process."""
    import time

    for i in range(n):
        time.sleep(pause)
        d[f"w{i}"] = i
