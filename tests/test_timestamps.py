"""timestamp(), keys_and_timestamps() and its twins, newest/oldest keys and values."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

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
def timed(make_dict: Callable[..., PersiDict]) -> PersiDict:
    """Four items with strictly increasing timestamps (slow on S3's 1 s clock, so the
    time-order checks share it)."""
    d = make_dict(file_type="json")
    write_in_time_order(d, [("k0", 0), (("k1", "x"), 1), ("k2", 2), (("k3", "y", "z"), 3)])
    return d


IN_ORDER = ["k0", ("k1", "x"), "k2", ("k3", "y", "z")]  # a one-part key equals its str


def test_timestamp_is_the_time_of_the_last_write(make_dict: Callable[..., PersiDict]) -> None:
    pdict = make_dict()
    before = time.time()
    pdict["a"] = 1
    after = time.time()
    stamp = pdict.timestamp("a")
    assert isinstance(stamp, float)
    assert before - CLOCK_SLACK <= stamp <= after + CLOCK_SLACK
    assert pdict.timestamp(("a",)) == stamp
    pdict["a"]  # a read is not a write
    assert pdict.timestamp("a") == stamp


def test_timestamp_of_a_missing_key(make_dict: Callable[..., PersiDict]) -> None:
    pdict = make_dict()
    with pytest.raises(KeyError):
        pdict.timestamp("a")
    pdict["a"] = 1
    del pdict["a"]
    with pytest.raises(KeyError):
        pdict.timestamp("a")


def test_time_order(timed: PersiDict) -> None:
    pairs = list(timed.keys_and_timestamps())
    assert {k for k, _ in pairs} == set(IN_ORDER)
    assert len(pairs) == 4
    for key, stamp in pairs:
        assert type(key) is SafeStrTuple
        assert stamp == timed.timestamp(key)

    stamps = dict(pairs)
    items = list(timed.items_and_timestamps())
    assert len(items) == 4
    for key, value, stamp in items:
        assert (value, stamp) == (timed[key], stamps[key])
    assert sorted(timed.values_and_timestamps()) == sorted((timed[k], stamps[k]) for k in stamps)

    assert timed.oldest_keys() == IN_ORDER
    assert timed.newest_keys() == IN_ORDER[::-1]
    assert timed.oldest_keys(2) == IN_ORDER[:2]
    assert timed.newest_keys(1) == [IN_ORDER[-1]]
    assert all(type(k) is SafeStrTuple for k in timed.newest_keys())
    assert timed.oldest_values() == [0, 1, 2, 3]
    assert timed.newest_values() == [3, 2, 1, 0]
    assert timed.oldest_values(3) == [0, 1, 2]
    assert timed.newest_values(2) == [3, 2]

    for max_n in (0, -1, -100):  # nothing
        assert timed.newest_keys(max_n) == []
        assert timed.oldest_keys(max_n) == []
        assert timed.newest_values(max_n) == []
        assert timed.oldest_values(max_n) == []
    assert timed.newest_keys(100) == IN_ORDER[::-1]  # beyond len: everything
    assert timed.oldest_values(5) == [0, 1, 2, 3]

    write_in_time_order(timed, [(IN_ORDER[-1], 3), ("k0", 10)])  # overwrite: newest
    assert timed.newest_keys(1) == ["k0"]
    assert timed.timestamp("k0") > stamps["k0"]
    assert timed.oldest_keys(1) == [("k1", "x")]
    assert timed.get_subdict("k1").newest_keys() == ["x"]


def test_empty_dict_has_no_time_order(make_dict: Callable[..., PersiDict]) -> None:
    pdict = make_dict()
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
