"""TTL on every backend: expired items are absent to every read, atomic operations
treat them as absent and stay exact, and removal is conditional on the version seen.

The reader's clock is ``persidict.ttl.clock``; tests move it instead of sleeping.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_timestamps import write_in_time_order

import persidict.ttl
from persidict import FileDirDict, PersiDict, WriteOnceDict

TTL = 10.0
LATER = 2 * TTL  # a clock this far ahead sees everything written now as expired


class Clock:
    """The real clock moved by ``offset`` seconds."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.fixed: float | None = None

    def __call__(self) -> float:
        return self.fixed if self.fixed is not None else time.time() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(persidict.ttl, "clock", fake)
    return fake


@pytest.fixture
def tdict(make_dict: Callable[..., PersiDict], clock: Clock) -> PersiDict:
    return make_dict(file_type="json", ttl=TTL)


# --- bad input, parameters


@pytest.mark.parametrize(("bad", "error"), [
    (True, TypeError), (False, TypeError), ("5", TypeError), ([5], TypeError),
    (math.nan, ValueError), (math.inf, ValueError), (-math.inf, ValueError),
    (0, ValueError), (-1, ValueError), (-0.5, ValueError),
])
def test_bad_ttl_is_refused_naming_it(make_dict: Callable[..., PersiDict], bad: Any,
                                      error: type[Exception], tmp_path: Any) -> None:
    with pytest.raises(error, match="ttl"):
        make_dict(place="bad", ttl=bad)
    assert not (tmp_path / "bad").exists()  # a folder dict made nothing


@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_ttl_is_kept_by_get_params_and_subdicts(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(ttl=2.5)
    assert d.ttl == 2.5
    assert d.get_params()["ttl"] == 2.5
    twin = type(d)(**d.get_params())
    assert twin.ttl == 2.5
    assert twin == d
    assert d.get_subdict("a").ttl == 2.5
    assert make_dict().ttl is None
    assert make_dict().get_params()["ttl"] is None
    assert make_dict(ttl=3).ttl == 3.0


def test_ttl_survives_pickling(tmp_path: Any) -> None:
    d = FileDirDict(tmp_path, ttl=7)
    assert pickle.loads(pickle.dumps(d)).ttl == 7


# --- every read


def _fill(d: PersiDict) -> None:
    d["a"] = 1
    d["s", "b"] = 2


def _every_read(d: PersiDict) -> dict[str, Any]:
    """What every read of ``d`` answers about the items of _fill."""
    def attempt(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except KeyError:
            return KeyError

    return {
        "getitem": attempt(lambda: d["a"]), "get": d.get(("s", "b")), "in": "a" in d,
        "len": len(d), "list": sorted(d), "keys": sorted(d.keys()),
        "values": sorted(d.values()), "items": sorted(d.items()),
        "get_many": attempt(lambda: d.get_many(["a"])),
        "keys_and_timestamps": sorted(k for k, _ in d.keys_and_timestamps()),
        "values_and_timestamps": sorted(v for v, _ in d.values_and_timestamps()),
        "items_and_timestamps": sorted((k, v) for k, v, _ in d.items_and_timestamps()),
        "newest": d.newest_keys(), "oldest": sorted(d.oldest_keys(5)),
        "newest_values": sorted(d.newest_values()), "oldest_values": sorted(d.oldest_values(1)),
        "random_key": d.random_key() is not None, "subdicts": sorted(d.subdicts()),
        "subdict": len(d.get_subdict("s")),
        "timestamp": attempt(lambda: d.timestamp("a")) is not KeyError,
        "etag": attempt(lambda: d.etag("a")) is not KeyError,
        "get_with_etag": attempt(lambda: d.get_with_etag("a")) is not KeyError,
        "holds": d.holds("a", 1), "eq_empty": d == {},
    }


def test_an_expired_item_is_absent_to_every_read(tdict: PersiDict, clock: Clock) -> None:
    _fill(tdict)
    live = _every_read(tdict)
    assert live["getitem"] == 1
    assert live["get"] == 2
    assert live["in"]
    assert live["len"] == 2
    assert live["items"] == [("a", 1), (("s", "b"), 2)]
    assert live["subdicts"] == ["s"]
    assert all(live[k] for k in ("random_key", "timestamp", "etag", "get_with_etag", "holds"))
    clock.offset = LATER
    gone = _every_read(tdict)
    assert gone == {
        "getitem": KeyError, "get": None, "in": False, "len": 0, "list": [], "keys": [],
        "values": [], "items": [], "get_many": KeyError, "keys_and_timestamps": [],
        "values_and_timestamps": [], "items_and_timestamps": [], "newest": [], "oldest": [],
        "newest_values": [], "oldest_values": [], "random_key": False, "subdicts": [],
        "subdict": 0, "timestamp": False, "etag": False, "get_with_etag": False,
        "holds": False, "eq_empty": True}
    with pytest.raises(KeyError):
        tdict.popitem()
    clock.offset = 0  # nothing was deleted by reading
    assert len(tdict) == 2


def test_len_and_iteration_agree_with_get(tdict: PersiDict, clock: Clock) -> None:
    # The bug of the stores people come from: len counted items get called expired.
    write_in_time_order(tdict, [("old", 0), ("new", 1)])
    old, new = tdict.timestamp("old"), tdict.timestamp("new")
    clock.fixed = (old + new) / 2 + TTL  # "old" is past its TTL, "new" is not
    assert tdict.get("old") is None
    assert tdict["new"] == 1
    assert "old" not in tdict
    assert "new" in tdict
    assert len(tdict) == 1
    assert list(tdict) == ["new"]
    assert len(list(tdict.keys())) == 1
    assert dict(tdict.items()) == {"new": 1}
    assert tdict.newest_keys() == ["new"]
    assert [k for k, _ in tdict.keys_and_timestamps()] == ["new"]
    assert tdict.get_many(["new"]) == [1]
    with pytest.raises(KeyError):
        tdict.get_many(["new", "old"])


def test_a_dict_without_ttl_never_expires(make_dict: Callable[..., PersiDict],
                                         clock: Clock) -> None:
    d = make_dict()
    d["a"] = 1
    clock.offset = 1e9
    assert d["a"] == 1
    assert len(d) == 1
    assert d.purge_expired() == 0


# --- atomic operations: an expired item is absent, replaced only conditionally


def _raw(make_dict: Callable[..., PersiDict]) -> PersiDict:
    """A handle on the same store without TTL: sees what is physically there."""
    return make_dict(file_type="json")


def test_atomic_operations_treat_an_expired_item_as_absent(
        tdict: PersiDict, make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    raw = _raw(make_dict)
    for key in ("add", "cas", "setdefault", "incr", "transform", "pop", "del", "discard"):
        tdict[key] = 41
    clock.offset = LATER  # all of them expired; each is written over as if absent
    assert tdict.add("add", "new") is True
    assert tdict.compare_and_set("cas", "new", None) is True
    assert tdict.setdefault("setdefault", "new") == "new"
    assert tdict.incr("incr") == 1  # from the default, not from 41
    assert tdict.transform("transform", lambda v: [*v, 1], default=[]) == [1]
    assert tdict.pop("pop", "none") == "none"
    with pytest.raises(KeyError):
        tdict.pop("pop")
    with pytest.raises(KeyError):
        del tdict["del"]
    assert tdict.delete_if_exists("discard") is False
    with pytest.raises(KeyError):
        tdict.transform("missing-default", lambda v: v)
    clock.offset = 0
    assert {k: raw[k] for k in raw} == {"add": "new", "cas": "new",
                                        "setdefault": "new", "incr": 1,
                                        "transform": [1]}  # pop/del removed expired ones
    # and on live items they behave as before
    assert tdict.add("add", "x") is False
    assert tdict.setdefault("add", "x") == "new"
    assert tdict.incr("incr") == 2
    assert tdict.pop("incr") == 2


def test_write_once_dict_allows_a_create_over_an_expired_item(
        make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    d = make_dict(file_type="json", immutable_items=True, ttl=TTL)
    d["k"] = 1
    with pytest.raises(KeyError):
        d["k"] = 2
    clock.offset = LATER
    d["k"] = 3  # a create over the expired version
    d.set_many({"k2": 1})
    clock.offset = 0
    assert d["k"] == 3
    with pytest.raises(KeyError):
        d["k"] = 4
    with pytest.raises(KeyError):
        d.set_many({"k": 5})
    assert d.add_many({"k": 6, "k3": 7}) == ["k"]
    once = WriteOnceDict(d)
    once["k"] = 8  # ignored: the item is live
    assert once["k"] == 3
    assert once.ttl == TTL


def test_a_create_over_an_expired_item_never_overwrites_a_rewrite(
        tdict: PersiDict, make_dict: Callable[..., PersiDict], clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Handle A sees the expired version; handle B rewrites the key before A's
    # conditional replace lands. A must lose, and B's value stay.
    other = make_dict(file_type="json", ttl=TTL)
    tdict["k"] = "old"
    clock.offset = LATER
    store, replace = tdict.store, tdict.store.replace

    def b_writes_first(name: str, data: bytes, etag: str) -> bool:
        clock.offset = 0
        other["k"] = "B's"
        return replace(name, data, etag)

    monkeypatch.setattr(store, "replace", b_writes_first)
    assert tdict.add("k", "A's") is False
    assert tdict["k"] == "B's"
    assert other["k"] == "B's"


@pytest.mark.parametrize("remover", ["purge", "pop", "del", "incr-delete"])
def test_removing_an_expired_item_never_deletes_a_rewrite(
        tdict: PersiDict, make_dict: Callable[..., PersiDict], clock: Clock,
        monkeypatch: pytest.MonkeyPatch, remover: str) -> None:
    other = make_dict(file_type="json", ttl=TTL)
    tdict["k"] = "old"
    clock.offset = LATER
    store, delete_if = tdict.store, tdict.store.delete_if

    def b_writes_first(name: str, etag: str) -> bool:
        clock.offset = 0
        other["k"] = "B's"
        return delete_if(name, etag)

    monkeypatch.setattr(store, "delete_if", b_writes_first)
    if remover == "purge":
        assert tdict.purge_expired() == 0
    elif remover == "pop":
        assert tdict.pop("k", None) is None
    elif remover == "del":
        with pytest.raises(KeyError):
            del tdict["k"]
    else:
        from persidict import DELETE_CURRENT

        assert tdict.transform("k", lambda _: DELETE_CURRENT, default=0) is DELETE_CURRENT
    assert tdict["k"] == "B's"


def test_purge_expired_deletes_only_expired_items(
        tdict: PersiDict, make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    raw = _raw(make_dict)
    write_in_time_order(tdict, [(("p", "old"), 0), ("old2", 0), ("new", 1)])
    raw["foreign"] = "x"  # written later: live too
    assert tdict.purge_expired() == 0
    clock.fixed = (tdict.timestamp("old2") + tdict.timestamp("new")) / 2 + TTL
    assert tdict.purge_expired() == 2
    assert sorted(raw) == ["foreign", "new"]
    assert tdict.purge_expired() == 0
    clock.fixed = None
    clock.offset = LATER
    assert tdict.get_subdict("p").purge_expired() == 0
    assert tdict.purge_expired() == 2
    assert len(raw) == 0


def test_clear_removes_expired_items_too(tdict: PersiDict, make_dict: Callable[..., PersiDict],
                                        clock: Clock) -> None:
    _fill(tdict)
    clock.offset = LATER
    tdict.clear()
    assert len(_raw(make_dict)) == 0


# --- per-item expiry: d.set(k, v, ttl=...) on a dict with item_ttl=True


@pytest.fixture
def idict(make_dict: Callable[..., PersiDict], clock: Clock) -> PersiDict:
    return make_dict(file_type="json", item_ttl=True)


def test_per_item_ttl_is_absent_to_every_read_once_expired(idict: PersiDict,
                                                          clock: Clock) -> None:
    idict.set("a", 1, ttl=TTL)
    idict.set(("s", "b"), 2, ttl=TTL)
    idict["forever"] = 0
    assert abs(idict.expires_at("a") - (time.time() + TTL)) < 2  # type: ignore[operator]
    assert idict.expires_at("forever") is None
    assert len(idict) == 3
    assert _every_read(idict)["items"] == [("a", 1), ("forever", 0), (("s", "b"), 2)]
    clock.offset = LATER
    gone = _every_read(idict)
    assert gone["getitem"] is KeyError
    assert gone["get"] is None
    assert not gone["in"]
    assert gone["list"] == ["forever"]
    assert gone["len"] == 1
    assert gone["items"] == [("forever", 0)]
    assert gone["newest"] == ["forever"]
    assert gone["subdicts"] == []
    assert gone["get_many"] is KeyError
    assert not gone["timestamp"]
    assert not gone["etag"]
    with pytest.raises(KeyError):
        idict.expires_at("a")


def test_per_item_ttl_overrides_the_dict_rule_until_overwritten(
        make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    d = make_dict(file_type="json", ttl=TTL, item_ttl=True)
    d.set("long", 1, ttl=10 * TTL)
    d.set("short", 1, ttl=TTL / 2)
    d["plain"] = 1
    d.set("again", 1, ttl=10 * TTL)
    d["again"] = 2  # no ttl: the dict's rule again
    assert d.expires_at("again") == pytest.approx(d.timestamp("again") + TTL)
    clock.offset = 0.75 * TTL
    assert sorted(d) == ["again", "long", "plain"]
    clock.offset = LATER
    assert sorted(d) == ["long"]
    assert len(d) == 1
    assert d["long"] == 1
    assert "again" not in d


@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_per_item_ttl_needs_item_ttl_and_a_good_ttl(make_dict: Callable[..., PersiDict],
                                                   clock: Clock) -> None:
    d = make_dict(ttl=TTL)
    with pytest.raises(ValueError, match="item_ttl"):
        d.set("k", 1, ttl=5)
    i = make_dict("i", item_ttl=True)
    for bad, error in ((True, TypeError), ("5", TypeError), (math.nan, ValueError),
                       (math.inf, ValueError), (-1, ValueError), (0, ValueError)):
        with pytest.raises(error, match="ttl"):
            i.set("k", 1, ttl=bad)
    with pytest.raises(TypeError, match="item_ttl"):
        make_dict("j", item_ttl=1)
    assert len(d) == 0
    assert len(i) == 0
    assert list(i.store.names()) == []  # not even an index entry
    d.set("k", 1)  # no ttl: a plain write on any dict
    assert d["k"] == 1
    assert i.get_params()["item_ttl"] is True
    assert type(i)(**i.get_params()).item_ttl


@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_plain_writes_keep_the_seed_format_byte_for_byte(
        make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    from persidict.formats import format_for

    for file_type in ("pkl", "json", "txt"):
        d = make_dict(file_type, file_type=file_type, item_ttl=True, ttl=TTL)
        d["plain"] = "v"
        d.set("own", "v", ttl=TTL)
        plain_name, own_name = (d._naming.name(k) for k in ("plain", "own"))
        assert d.store.read(plain_name) == format_for(file_type).dumps("v")
        raw = d.store.read(own_name)
        assert raw.startswith(persidict.ttl.HEADER)
        assert raw.endswith(format_for(file_type).dumps("v"))
        # a handle without TTL reads both values (and ignores expiries)
        blind = make_dict(file_type, file_type=file_type)
        assert blind["own"] == "v"
        assert blind["plain"] == "v"


@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_a_stale_index_entry_never_hides_a_live_item(idict: PersiDict, clock: Clock) -> None:
    idict.set("rewritten", 1, ttl=TTL)
    idict["rewritten"] = 2  # the entry of the first write is stale now
    name = idict._naming.name("crashed")
    idict["crashed"] = 3
    # a writer that died between its index entry and its value
    idict.store.write(persidict.ttl.index_name(name, time.time() + 1, b"other"), b"")
    clock.offset = LATER
    assert sorted(idict) == ["crashed", "rewritten"]
    assert idict.purge_expired() == 0
    entries = [n for n in idict.store.names() if "#" in n]
    assert len(entries) == 2  # kept within the grace period: a writer may be at work
    clock.offset = persidict.ttl.INDEX_GRACE + LATER
    assert idict.purge_expired() == 0
    assert [n for n in idict.store.names() if "#" in n] == []
    assert sorted(idict.items()) == [("crashed", 3), ("rewritten", 2)]


def test_atomic_operations_over_a_per_item_expired_item(
        idict: PersiDict, make_dict: Callable[..., PersiDict], clock: Clock) -> None:
    for key in ("add", "incr", "pop"):
        idict.set(key, 41, ttl=TTL)
    idict.set("live", 41, ttl=10 * TTL)
    clock.offset = LATER
    assert idict.add("add", "new") is True
    assert idict.add("live", "new") is False
    assert idict.incr("incr") == 1
    assert idict.pop("pop", None) is None
    assert idict.purge_expired() == 0
    clock.offset = 0
    assert dict(_raw(make_dict).items()) == {
        "add": "new", "incr": 1, "live": 41}


def test_write_once_with_per_item_ttl(make_dict: Callable[..., PersiDict],
                                      clock: Clock) -> None:
    d = make_dict(file_type="json", immutable_items=True, item_ttl=True)
    d.set("k", 1, ttl=TTL)
    with pytest.raises(KeyError):
        d.set("k", 2, ttl=TTL)
    clock.offset = LATER
    d.set("k", 3, ttl=TTL)  # a create over the expired version
    assert d["k"] == 3


@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_live_infos_judges_a_listing(idict: PersiDict, clock: Clock) -> None:
    # the entry point for code that lists by itself (queries): a listing in, live values out
    idict.set(("p", "short"), 1, ttl=TTL)
    idict.set(("p", "long"), 1, ttl=10 * TTL)
    idict["p", "plain"] = 1
    clock.offset = LATER
    store, policy = idict.store, idict._ttl
    assert policy is not None
    live = policy.live_infos(store, store.infos(idict._naming.suffix))
    assert sorted(idict._naming.key(info.name) for info in live) == [
        ("p", "long"), ("p", "plain")]


def test_clear_removes_index_entries(idict: PersiDict) -> None:
    idict.set(("p", "k"), 1, ttl=TTL)
    idict.set("k", 1, ttl=TTL)
    idict.clear()
    assert list(idict.store.names()) == []


def test_write_once_dict_ignores_a_later_set_with_ttl(make_dict: Callable[..., PersiDict],
                                                      clock: Clock) -> None:
    once = WriteOnceDict(make_dict(file_type="json", immutable_items=True, item_ttl=True),
                         p_consistency_checks=1)
    once.set("k", 1, ttl=TTL)
    once.set("k", 1, ttl=TTL)  # ignored, and checked: the same value
    with pytest.raises(ValueError, match="different value"):
        once.set("k", 2, ttl=TTL)
    assert once["k"] == 1
    assert once.item_ttl
    clock.offset = LATER
    once.set("k", 3, ttl=TTL)  # expired: written again
    clock.offset = 0
    assert once["k"] == 3
