"""timestamp(), keys_and_timestamps() and its twins, newest/oldest keys and values."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

import pytest

from persidict import FileDirDict, PersiDict, SafeStrTuple

# Slack for stores whose clock is coarser than the local one (S3 stamps whole seconds).
CLOCK_SLACK = 1.5


def write_in_time_order(d: PersiDict, items: Iterable[tuple[object, object]]) -> None:
    """Write ``items`` so that each gets a strictly later timestamp than the one before.

    On a store with a coarse clock a write can share its predecessor's timestamp;
    it is then rewritten until the clock has moved on.
    """
    last = None
    for key, value in items:
        d[key] = value
        deadline = time.monotonic() + 5
        while last is not None and d.timestamp(key) <= last:
            assert time.monotonic() < deadline, "the store's clock does not advance"
            time.sleep(0.02)
            d[key] = value
        last = d.timestamp(key)


@pytest.fixture
def timed(pdict: PersiDict) -> PersiDict:
    write_in_time_order(pdict, [("k0", 0), (("k1", "x"), 1), ("k2", 2), (("k3", "y", "z"), 3)])
    return pdict


IN_ORDER = [("k0",), ("k1", "x"), ("k2",), ("k3", "y", "z")]


def test_timestamp_is_the_time_of_the_last_write(pdict: PersiDict) -> None:
    before = time.time()
    pdict["a"] = 1
    after = time.time()
    stamp = pdict.timestamp("a")
    assert isinstance(stamp, float)
    assert before - CLOCK_SLACK <= stamp <= after + CLOCK_SLACK
    assert pdict.timestamp(("a",)) == stamp
    pdict["a"]  # a read is not a write
    assert pdict.timestamp("a") == stamp


def test_overwrite_moves_the_timestamp_forward(pdict: PersiDict) -> None:
    write_in_time_order(pdict, [("a", 1), ("a", 2)])
    first = pdict.timestamp("a")
    write_in_time_order(pdict, [("b", 0), ("a", 3)])
    assert pdict.timestamp("a") > first


def test_timestamp_of_a_missing_key(pdict: PersiDict) -> None:
    with pytest.raises(KeyError):
        pdict.timestamp("a")
    pdict["a"] = 1
    del pdict["a"]
    with pytest.raises(KeyError):
        pdict.timestamp("a")


def test_keys_and_timestamps(timed: PersiDict) -> None:
    pairs = list(timed.keys_and_timestamps())
    assert {k for k, _ in pairs} == set(IN_ORDER)
    assert len(pairs) == 4
    for key, stamp in pairs:
        assert type(key) is SafeStrTuple
        assert stamp == timed.timestamp(key)


def test_values_and_items_and_timestamps(timed: PersiDict) -> None:
    stamps = dict(timed.keys_and_timestamps())
    items = list(timed.items_and_timestamps())
    assert len(items) == 4
    for (key, value), stamp in items:
        assert value == timed[key]
        assert stamp == stamps[key]
    values = list(timed.values_and_timestamps())
    assert sorted(values) == sorted((timed[k], stamps[k]) for k in stamps)


def test_newest_and_oldest_keys(timed: PersiDict) -> None:
    assert timed.oldest_keys() == IN_ORDER
    assert timed.newest_keys() == IN_ORDER[::-1]
    assert timed.oldest_keys(2) == IN_ORDER[:2]
    assert timed.newest_keys(1) == [IN_ORDER[-1]]
    assert all(type(k) is SafeStrTuple for k in timed.newest_keys())


def test_newest_and_oldest_values(timed: PersiDict) -> None:
    assert timed.oldest_values() == [0, 1, 2, 3]
    assert timed.newest_values() == [3, 2, 1, 0]
    assert timed.oldest_values(3) == [0, 1, 2]
    assert timed.newest_values(2) == [3, 2]


@pytest.mark.parametrize("max_n", [0, -1, -100])
def test_max_n_not_positive_gives_nothing(timed: PersiDict, max_n: int) -> None:
    assert timed.newest_keys(max_n) == []
    assert timed.oldest_keys(max_n) == []
    assert timed.newest_values(max_n) == []
    assert timed.oldest_values(max_n) == []


def test_max_n_beyond_len_gives_everything(timed: PersiDict) -> None:
    assert timed.newest_keys(100) == IN_ORDER[::-1]
    assert timed.oldest_values(5) == [0, 1, 2, 3]


def test_overwrite_makes_a_key_newest(timed: PersiDict) -> None:
    write_in_time_order(timed, [(IN_ORDER[-1], 3), ("k0", 10)])
    assert timed.newest_keys(1) == [("k0",)]
    assert timed.oldest_keys(1) == [("k1", "x")]


def test_empty_dict_has_no_time_order(pdict: PersiDict) -> None:
    assert list(pdict.keys_and_timestamps()) == []
    assert list(pdict.items_and_timestamps()) == []
    assert pdict.newest_keys() == []
    assert pdict.oldest_values(3) == []


def test_folder_timestamp_is_the_file_mtime(tmp_path: os.PathLike) -> None:
    d = FileDirDict(tmp_path, digest_len=0)
    d["a", "b"] = 1
    path = os.path.join(tmp_path, "a", "b.pkl")
    assert d.timestamp(("a", "b")) == pytest.approx(os.stat(path).st_mtime, abs=1e-6)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    assert d.timestamp(("a", "b")) == pytest.approx(1_000_000_000)
    d["c"] = 2
    assert d.oldest_keys(1) == [("a", "b")]
