"""TTL in the features built over the mapping: sort-key queries (query, query_keys,
filter, first) hide expired items by the dict's rule and by per-item expiry, bounded
or not; the batch writer stores per-item expiries as ``d.set`` does, and its creates
over expired items on write-once dicts stay conditional. Every backend; the reader's
clock moves instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_query_requests import LIST, Requests
from test_ttl import LATER, TTL, Clock, clock  # noqa: F401  (clock is a fixture)

from persidict import BatchError, PersiDict


@pytest.fixture
def mixed(make_dict: Callable[..., PersiDict], clock: Clock) -> PersiDict:  # noqa: F811
    """Partition "p": even sort keys live at LATER (their own long expiry), odd ones
    expired then (the dict's rule, or a short expiry of their own); a subfolder
    ("p", "s", ...) of both kinds; an item outside the partition."""
    d = make_dict(file_type="json", ttl=TTL, item_ttl=True)
    for i in range(10):
        if i % 2 == 0:
            d.set(("p", f"{i:02d}"), i, ttl=3 * TTL)
        elif i % 4 == 1:
            d["p", f"{i:02d}"] = i  # the dict's rule: TTL
        else:
            d.set(("p", f"{i:02d}"), i, ttl=1)
    d.set(("p", "s", "live"), 100, ttl=3 * TTL)
    d["p", "s", "old"] = 101
    d["q"] = 0
    return d


def test_queries_hide_expired_items(mixed: PersiDict, clock: Clock) -> None:  # noqa: F811
    d = mixed
    assert len(list(d.query_keys("p"))) == 12
    clock.offset = LATER
    live = [("p", f"{i:02d}") for i in range(0, 10, 2)]
    assert [k.strings for k in d.query_keys("p")] == [*live, ("p", "s", "live")]
    assert [(k.strings, v) for k, v in d.query("p")] == \
        [*((k, int(k[1])) for k in live), (("p", "s", "live"), 100)]
    assert [k.strings for k in d.query_keys("p", reverse=True)] == \
        [("p", "s", "live"), *reversed(live)]
    # bounded: a listing that starts inside the folder still sees its #index entries
    assert [k.strings for k in d.query_keys("p", start="03", stop="08")] == live[2:4]
    assert [k.strings for k in d.query_keys("p", start="01", limit=2)] == live[1:3]
    assert [k.strings for k in d.query_keys("p", starts_with="0", reverse=True,
                                            limit=2)] == [live[4], live[3]]
    assert [v for _, v in d.query("p", start="01", limit=3)] == [2, 4, 6]
    assert [v for _, v in d.query("p", where=lambda v: v > 3, limit=2)] == [4, 6]
    assert sorted(d.filter(lambda v: v >= 100)) == [100]
    assert d.first(lambda v: v % 2 == 1) is None  # every odd value expired
    assert d.first(lambda v: v > 5) == 6
    assert list(d.get_subdict("p").query_keys("s")) == [("s", "live")]


def test_a_dict_wide_ttl_query_hides_old_items(make_dict: Callable[..., PersiDict],
                                               clock: Clock) -> None:  # noqa: F811
    d = make_dict(ttl=TTL)
    d.set_many({("p", f"{i:02d}"): i for i in range(5)})
    assert [v for _, v in d.query("p", limit=2)] == [0, 1]
    clock.offset = LATER
    assert list(d.query_keys("p")) == []
    assert list(d.query("p", limit=2)) == []
    assert d.first(lambda v: True) is None
    assert list(d.filter(lambda v: True)) == []


# --- what a TTL query costs on S3


@pytest.mark.s3_only
def test_a_bounded_ttl_query_on_s3_lists_pages_only(make_dict: Callable[..., Any],
                                                    backend: str,
                                                    request: pytest.FixtureRequest,
                                                    clock: Clock) -> None:  # noqa: F811
    d = make_dict(item_ttl=True, ttl=3600)
    d.set_many({("p", f"{i:03d}"): i for i in range(200)})
    with d.batch() as b:
        for i in range(0, 200, 10):
            b.set(("p", f"{i:03d}"), i, ttl=1)  # 20 per-item expiries: one index page
    d.s3_store.list_page_size = 10
    served = request.getfixturevalue("s3_server").served if backend == "s3_http" else None
    count = Requests(d, served)
    clock.offset = 5
    got: list[Any] = []
    sent = count.of(lambda: got.extend(d.query_keys("p", start="095", limit=10)))
    assert [k.strings[1] for k in got] == [f"{i:03d}" for i in range(95, 106) if i != 100]
    # keys: about 2 pages; the index of "p/": 2 pages of 10; the values' infos: 2 pages
    assert set(sent) == {LIST}
    assert len(sent) <= 8
    # query judges by the values it reads (no listing of infos) and reads as many
    # at a time as it still wants (requests sent are counted: the last reads of a
    # chunk may still be in flight at the endpoint when the query ends)
    count.served = None
    got.clear()
    sent = count.of(lambda: got.extend(k.strings[1] for k, _ in
                                       d.query("p", start="095", limit=10)))
    assert got == [f"{i:03d}" for i in range(95, 106) if i != 100]
    assert set(sent) == {LIST, "GetObject"}
    assert sent.count(LIST) <= 2
    assert sent.count("GetObject") == 11  # the 10 given and the expired "100"
    assert len(list(d.get_subdict("p"))) == 180  # a full listing: 20 pages of 10


# --- the batch writer


def test_batch_set_with_ttl_stores_a_per_item_expiry(make_dict: Callable[..., PersiDict],
                                                     clock: Clock) -> None:  # noqa: F811
    d = make_dict(file_type="json", item_ttl=True)
    with d.batch(max_pending=2) as b:
        b.set("short", 1, ttl=1)
        b.set("long", 2, ttl=3 * TTL)
        b["plain"] = 3
        b.set(("s", "short"), 4, ttl=1)
        b.set("kept", 5, ttl=1)
        b.set("kept", 6)  # a later plain write of the same key wins: no expiry
    assert d.expires_at("plain") is None
    assert d.expires_at("kept") is None
    assert abs(d.expires_at("long") - d.expires_at("short") - (3 * TTL - 1)) < 1  # type: ignore[operator]
    assert len(d) == 5
    clock.offset = LATER
    assert sorted(d) == ["kept", "long", "plain"]  # a listing sees the index entries
    assert len(d) == 3
    assert "short" not in d
    assert d.get(("s", "short")) is None
    assert d.purge_expired() == 2


def test_batch_ttl_is_refused_clearly_without_item_ttl(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(ttl=TTL)
    with d.batch() as b:
        b.set("a", 1, ttl=None)
        with pytest.raises(ValueError, match="item_ttl=True"):
            b.set("b", 1, ttl=5)
        for bad, error in ((True, TypeError), ("5", TypeError), (-1, ValueError)):
            with pytest.raises(error, match="ttl"):
                b.set("c", 1, ttl=bad)
    assert sorted(d) == ["a"]


def test_batch_creates_over_expired_items_on_write_once_dicts(
        make_dict: Callable[..., PersiDict], clock: Clock) -> None:  # noqa: F811
    d = make_dict(immutable_items=True, ttl=TTL, item_ttl=True)
    d["old"] = 1
    d.set("short", 2, ttl=1)
    clock.offset = LATER
    d.set("live", 3, ttl=10 * LATER)
    def write() -> None:
        with d.batch() as b:
            b["old"] = 10  # expired by the dict's rule: replaced
            b.set("short", 20, ttl=3 * LATER)  # expired by its own: replaced
            b["live"] = 30  # live: refused

    with pytest.raises(BatchError) as caught:
        write()
    assert [k for k, _ in caught.value.failures] == ["live"]
    assert isinstance(caught.value.failures[0][1], KeyError)
    clock.offset = 0  # the replacements were written at the real time
    assert (d["old"], d["short"], d["live"]) == (10, 20, 3)
    assert d.expires_at("short") > clock() + 2 * LATER  # type: ignore[operator]
