"""read_only(d) and write_only(d): every refusal (nothing written), every allowed operation."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest

from persidict import (
    DELETE_CURRENT,
    KEEP_CURRENT,
    PersiDict,
    ReadOnlyError,
    WriteOnlyError,
    read_only,
    write_only,
)

WRITES: dict[str, Callable[[PersiDict], Any]] = {
    "set": lambda d: d.__setitem__("new", 1),
    "set existing": lambda d: d.__setitem__("a", 2),
    "set joker": lambda d: d.__setitem__("a", DELETE_CURRENT),
    "keep joker": lambda d: d.__setitem__("a", KEEP_CURRENT),
    "del": lambda d: d.__delitem__("a"),
    "delete_if_exists": lambda d: d.delete_if_exists("a"),
    "discard": lambda d: d.discard("a"),
    "set()": lambda d: d.set("new", 1),
    "set(ttl=)": lambda d: d.set("new", 1, ttl=60),
    "set_many": lambda d: d.set_many({"new": 1}),
    "update": lambda d: d.update({"new": 1}),
    "|=": lambda d: d.__ior__({"new": 1}),
    "add": lambda d: d.add("new", 1),
    "add_many": lambda d: d.add_many({"new": 1}),
    "setdefault missing": lambda d: d.setdefault("new", 1),
    "pop": lambda d: d.pop("a"),
    "pop default": lambda d: d.pop("missing", None),
    "popitem": lambda d: d.popitem(),
    "clear": lambda d: d.clear(),
    "compare_and_set": lambda d: d.compare_and_set("a", 2, d.inner.etag("a")),
    "compare_and_set absent": lambda d: d.compare_and_set("new", 2, None),
    "compare_and_delete": lambda d: d.compare_and_delete("a", d.inner.etag("a")),
    "transform": lambda d: d.transform("a", lambda v: v + 1),
    "incr": lambda d: d.incr("n"),
    "batch": lambda d: d.batch(),
    "purge_expired": lambda d: d.purge_expired(),
    "lock": lambda d: d.lock("a"),
}


def snapshot(d: PersiDict) -> dict[Any, Any]:
    return {k: (v, d.etag(k)) for k, v in d.items()}


@pytest.fixture
def filled(make_dict: Callable[..., PersiDict]) -> PersiDict:
    d = make_dict()
    d.update({"a": 1, ("b", "c"): 2, ("b", "d"): 3})
    return d


@pytest.mark.parametrize("operation", list(WRITES), ids=list(WRITES))
def test_read_only_refuses_every_write_and_changes_nothing(filled: PersiDict,
                                                          operation: str) -> None:
    before = snapshot(filled)
    view = read_only(filled)
    with pytest.raises(ReadOnlyError, match="read-only") as info:
        WRITES[operation](view)
    assert isinstance(info.value, PermissionError)
    assert snapshot(filled) == before


def test_read_only_reads_lists_and_queries(filled: PersiDict) -> None:
    view = read_only(filled)
    assert view["a"] == 1
    assert view.get("zz", 0) == 0
    assert "a" in view
    assert "zz" not in view
    assert len(view) == 3
    assert sorted(view) == ["a", ("b", "c"), ("b", "d")]
    assert dict(view.items()) == dict(filled.items())
    assert sorted(view.values()) == [1, 2, 3]
    assert view.setdefault("a", 9) == 1  # present: a read
    assert view.timestamp("a") == filled.timestamp("a")
    assert view.etag("a") == filled.etag("a")
    assert view.get_with_etag("a") == filled.get_with_etag("a")
    assert view.holds("a", 1)
    assert set(view.newest_keys()) == set(filled)
    assert len(view.oldest_values(2)) == 2
    assert [k for k, _ in view.keys_and_timestamps()] != []
    assert list(view.query_keys("b")) == [("b", "c"), ("b", "d")]
    assert [v for _, v in view.query("b", start="d")] == [3]
    assert sorted(view.filter(lambda v: v > 1)) == [2, 3]
    assert view.first(lambda v: v == 3) == 3
    assert view.random_key() in filled
    assert view.get_many(["a", ("b", "c")]) == [1, 2]
    assert view == filled or view == dict(filled.items())


def test_read_only_subdicts_are_read_only(filled: PersiDict) -> None:
    view = read_only(filled)
    sub = view.get_subdict("b")
    assert sub["c"] == 2
    with pytest.raises(ReadOnlyError):
        sub["c"] = 5
    with pytest.raises(ReadOnlyError):
        view.subdicts()["b"]["x"] = 1
    assert filled["b", "c"] == 2
    assert ("b", "x") not in filled


READS: dict[str, Callable[[PersiDict], Any]] = {
    "getitem": lambda d: d["a"],
    "get": lambda d: d.get("a"),
    "len": len,
    "iter": list,
    "keys": lambda d: list(d.keys()),
    "values": lambda d: list(d.values()),
    "items": lambda d: list(d.items()),
    "==": lambda d: d == {"a": 1},
    "holds": lambda d: d.holds("a", 1),
    "timestamp": lambda d: d.timestamp("a"),
    "expires_at": lambda d: d.expires_at("a"),
    "etag": lambda d: d.etag("a"),
    "get_with_etag": lambda d: d.get_with_etag("a"),
    "setdefault": lambda d: d.setdefault("a", 1),
    "pop": lambda d: d.pop("a"),
    "popitem": lambda d: d.popitem(),
    "transform": lambda d: d.transform("a", lambda v: v),
    "incr": lambda d: d.incr("n"),
    "get_many": lambda d: d.get_many(["a"]),
    "clear": lambda d: d.clear(),
    "purge_expired": lambda d: d.purge_expired(),
    "random_key": lambda d: d.random_key(),
    "keys_and_timestamps": lambda d: list(d.keys_and_timestamps()),
    "values_and_timestamps": lambda d: list(d.values_and_timestamps()),
    "items_and_timestamps": lambda d: list(d.items_and_timestamps()),
    "newest_keys": lambda d: d.newest_keys(1),
    "oldest_keys": lambda d: d.oldest_keys(1),
    "newest_values": lambda d: d.newest_values(1),
    "oldest_values": lambda d: d.oldest_values(1),
    "query": lambda d: list(d.query("b")),
    "query_keys": lambda d: list(d.query_keys("b")),
    "filter": lambda d: list(d.filter(bool)),
    "first": lambda d: d.first(bool),
    "subdicts": lambda d: d.subdicts(),
    "subdict read": lambda d: d.get_subdict("b")["c"],
}


@pytest.mark.parametrize("operation", list(READS), ids=list(READS))
def test_write_only_refuses_every_read_and_changes_nothing(filled: PersiDict,
                                                          operation: str) -> None:
    before = snapshot(filled)
    box = write_only(filled)
    with pytest.raises(WriteOnlyError, match="write-only") as info:
        READS[operation](box)
    assert isinstance(info.value, PermissionError)
    assert snapshot(filled) == before


def test_write_only_writes_and_answers_in(filled: PersiDict) -> None:
    box = write_only(filled)
    box["new"] = 1
    box.set("other", 2)
    box.update({"u": 3})
    box.set_many([("v", 4)])
    assert box.add("w", 5)
    assert not box.add("w", 6)
    assert box.add_many({"x": 6, "w": 7}) == ["w"]
    assert "new" in box
    assert "zz" not in box
    del box["a"]
    assert box.delete_if_exists("u")
    assert not box.delete_if_exists("u")
    box["v"] = DELETE_CURRENT
    assert box.compare_and_set("y", 8, None)
    assert not box.compare_and_set("y", 9, None)
    assert box.compare_and_delete("y", filled.etag("y"))
    with box.batch() as b:
        b["z"] = 9
    with box.lock("new"):
        pass
    box.get_subdict("b")["e"] = 10
    assert str(box) == repr(box)  # the parameters, not the items
    assert dict(filled.items()) == {("b", "c"): 2, ("b", "d"): 3, ("b", "e"): 10, "new": 1,
                                    "other": 2, "w": 5, "x": 6, "z": 9}


@pytest.mark.parametrize("wrap", [read_only, write_only])
def test_access_wrappers_round_trip_and_pickle(make_dict: Callable[..., PersiDict],
                                               wrap: Callable[[PersiDict], PersiDict],
                                               backend: str) -> None:
    if backend == "zip":
        pytest.skip("a zip archive's one writer cannot be pickled (test_zip_store.py)")
    w = wrap(make_dict())
    twin = type(w)(**w.get_params())
    assert twin == w
    assert type(twin) is type(w)
    if backend not in ("memory", "s3_mock"):  # memory and the in-process mock stay here
        again = pickle.loads(pickle.dumps(w))
        assert again == w
        assert type(again) is type(w)


@pytest.mark.parametrize("wrap", [read_only, write_only])
def test_access_wrappers_refuse_what_is_not_a_dict(wrap: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match="PersiDict"):
        wrap({"a": 1})
