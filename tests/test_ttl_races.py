"""TTL races between real processes: a create over an expired item has one winner,
and a counter that starts over from an expired value loses no increment.

The workers' clocks are stopped at the instant the old items expire, so every
write made during the race is live for all of them (no sleeping for the TTL).
"""

from __future__ import annotations

import time

import pytest
import ttl_race_workers as tw
from test_races import (
    PROCESSES,
    Factory,
    run,
    shared,  # noqa: F401 - the fixture (backend, make)
)

from persidict import PersiDict

pytestmark = pytest.mark.slow

TTL = 60.0
KEYS = {"file": 100, "sqlite": 100, "s3": 15}
INCREMENTS = {"file": 200, "sqlite": 200, "s3": 15}


def _old_items(d: PersiDict, keys: list[str]) -> float:
    """Write ``keys`` and wait until the store's clock has moved past them (S3 keeps
    whole seconds); return the instant they expire."""
    for key in keys:
        d[key] = -1
    newest = max(d.timestamp(key) for key in keys)
    deadline = time.monotonic() + 5
    while True:
        d["probe"] = 0
        if d.timestamp("probe") > newest:
            break
        assert time.monotonic() < deadline, "the store's clock does not advance"
        time.sleep(0.05)
    del d["probe"]
    return newest + TTL


def test_a_create_over_an_expired_item_has_one_winner(
        shared: tuple[str, Factory]) -> None:  # noqa: F811 - the imported fixture
    backend, make = shared
    d = make(ttl=TTL)
    keys = [f"k{i}" for i in range(KEYS[backend])]
    now = _old_items(d, keys)
    won = run(tw.add_over_expired, [(d, keys, now)] * PROCESSES)
    for i, key in enumerate(keys):
        winners = [w for w in range(PROCESSES) if won[w][i]]
        assert len(winners) == 1, (key, winners)
        assert d[key] == winners[0]


def test_a_counter_restarting_from_an_expired_value_loses_nothing(
        shared: tuple[str, Factory]) -> None:  # noqa: F811 - the imported fixture
    backend, make = shared
    d = make(ttl=TTL)
    now = _old_items(d, ["hits"])
    n = INCREMENTS[backend]
    produced = run(tw.counters_from_expired, [(d, "hits", n, now)] * PROCESSES)
    # the expired -1 is never added to: counting starts again from the default 0
    assert sorted(v for out in produced for v in out) == list(range(1, PROCESSES * n + 1))
