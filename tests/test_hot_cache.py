"""cached(d): a hit never serves a value that changed, expired or was deleted."""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable
from typing import Any

import pytest

import persidict.ttl
from persidict import CachedDict, FileDirDict, PersiDict, S3Dict, cached, read_only

# cached() takes a dict over a store: the fixture's own wrappers are not one.
pytestmark = pytest.mark.plain_dict


@pytest.fixture
def pair(make_dict: Callable[..., PersiDict]) -> tuple[CachedDict, PersiDict]:
    d = make_dict()
    return cached(d, max_bytes=1 << 20), make_dict()  # the second: another handle


def test_a_change_by_another_handle_is_never_served(pair: tuple[CachedDict, PersiDict]
                                                    ) -> None:
    c, other = pair
    other["k"] = 1
    assert c["k"] == 1
    assert c["k"] == 1
    other["k"] = 2
    assert c["k"] == 2
    other["k"] = {"big": "x" * 10_000}
    assert c["k"] == {"big": "x" * 10_000}
    del other["k"]
    with pytest.raises(KeyError):
        c["k"]
    assert c.get("k", "gone") == "gone"
    other["k"] = 3
    assert c["k"] == 3


def test_changing_a_returned_value_never_changes_the_next_read(
        pair: tuple[CachedDict, PersiDict]) -> None:
    hot, plain = pair
    plain["k"] = {"tags": ["a"]}
    plain["t"] = ("x", 1)
    first = hot["k"]
    first["tags"].append("b")  # the caller's own copy
    assert hot["k"] == {"tags": ["a"]}
    assert hot["k"] is not hot["k"]
    assert hot["t"] is hot["t"]  # a value that cannot change is shared


def test_writes_and_deletes_through_the_handle(pair: tuple[CachedDict, PersiDict]) -> None:
    c, other = pair
    c["k"] = 1
    assert c["k"] == 1
    c["k"] = 2
    assert c["k"] == 2
    assert other["k"] == 2
    assert c.incr("n") == 1
    assert c["n"] == 1
    assert c.incr("n") == 2
    assert c["n"] == 2
    c.update({"k": 3})
    assert c["k"] == 3
    assert c.pop("k") == 3
    with pytest.raises(KeyError):
        c["k"]
    c["a", "b"] = 1
    assert c["a", "b"] == 1
    assert c[["a", "b"]] == 1
    assert c.get_subdict("a")["b"] == 1
    del c["a", "b"]
    assert ("a", "b") not in c
    assert c.get(("a", "b")) is None


def test_a_write_once_hit_does_no_io(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    c = cached(d)
    c["k"] = [1, 2]
    assert c["k"] == [1, 2]
    for name in list(d.store.names()):
        d.store.delete(name)  # behind its back: a hit that did I/O would notice
    assert c["k"] == [1, 2]
    assert c.cache_info()[:2] == (1, 1)
    with pytest.raises(KeyError):
        c["other"]


def test_a_mutable_hit_checks_once_and_reads_nothing(
        make_dict: Callable[..., PersiDict], monkeypatch: pytest.MonkeyPatch,
        backend: str) -> None:
    if backend == "memory":
        pytest.skip("in memory a stat looks the bytes up: there is no read to save")
    d = make_dict()
    c = cached(d)
    d["k"] = "v"
    assert c["k"] == "v"
    store = d.store
    reads: list[str] = []
    for method in ("read", "read_with_info"):
        real = getattr(store, method)
        monkeypatch.setattr(store, method, lambda name, real=real: (reads.append(name),
                                                                    real(name))[1])
    for _ in range(5):
        assert c["k"] == "v"
    assert reads == []
    assert c.cache_info()[1] == 1


def test_expired_values_are_never_served(make_dict: Callable[..., PersiDict],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.time()]
    monkeypatch.setattr(persidict.ttl, "clock", lambda: now[0])
    for params in ({"ttl": 60}, {"ttl": 60, "immutable_items": True}):
        c = cached(make_dict(str(len(params)), **params))
        c["k"] = 1
        assert c["k"] == 1
        now[0] += 61
        with pytest.raises(KeyError):
            c["k"]
        now[0] -= 61
    own = cached(make_dict("own", item_ttl=True))
    own.set("k", 1, ttl=5)
    assert own["k"] == 1
    now[0] += 6
    with pytest.raises(KeyError):
        own["k"]


def test_the_cache_stays_within_max_bytes(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d.update({f"k{i}": "x" * 1000 for i in range(20)})
    c = cached(d, max_bytes=5000)
    for i in range(20):
        assert c[f"k{i}"] == "x" * 1000
        assert c.cache_info()[2] <= 5000
    entries = c.cache_info()[0]
    assert 1 <= entries <= 5
    assert c["k19"] == "x" * 1000
    assert c.cache_info()[1] == 20
    c["k0"]
    assert c.cache_info()[1] == 21  # the oldest was evicted
    huge = cached(d, max_bytes=500)
    assert huge["k0"] == "x" * 1000
    assert huge.cache_info() == (0, 0, 0)


def test_round_trips_pickles_and_subdicts(make_dict: Callable[..., PersiDict],
                                          backend: str) -> None:
    if backend == "zip":
        pytest.skip("a zip archive's one writer cannot be pickled (test_zip_store.py)")
    c = cached(make_dict(), max_bytes=12345)
    twin = type(c)(**c.get_params())
    assert twin == c
    assert twin.max_bytes == 12345
    if backend not in ("memory", "s3_mock"):
        again = pickle.loads(pickle.dumps(c))
        assert again == c
        assert again.cache_info() == (0, 0, 0)
    c["g", "k"] = 1
    c["g", "k"]
    sub = c.get_subdict("g")
    assert isinstance(sub, CachedDict)
    assert sub["k"] == 1
    assert sub.cache_info()[:2] == (1, 1)
    assert isinstance(c.subdicts()["g"], CachedDict)
    assert read_only(c)["g", "k"] == 1


@pytest.mark.parametrize(("max_bytes", "error"), [
    (0, ValueError), (-5, ValueError), (1.5, TypeError), (True, TypeError), ("10", TypeError)])
def test_bad_max_bytes_is_refused(make_dict: Callable[..., PersiDict], max_bytes: Any,
                                  error: type[Exception]) -> None:
    with pytest.raises(error, match="max_bytes"):
        cached(make_dict(), max_bytes=max_bytes)


def test_what_is_not_a_dict_over_a_store_is_refused(make_dict: Callable[..., PersiDict]
                                                    ) -> None:
    with pytest.raises(TypeError, match="PersiDict"):
        cached({"a": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wrap the cached dict"):
        cached(read_only(make_dict()))


def _count_up(d: PersiDict, n: int) -> None:
    for i in range(1, n + 1):
        d["n"] = i


@pytest.mark.slow
def test_values_another_process_writes_are_never_served_stale(
        make_dict: Callable[..., PersiDict], backend: str) -> None:
    if backend in ("memory", "s3_mock", "zip"):
        pytest.skip("another process cannot reach this store (a zip has one writer)")
    d = make_dict()
    d["n"] = 0
    c = cached(d)
    n = 300
    writer = multiprocessing.get_context("spawn").Process(target=_count_up, args=(d, n))
    writer.start()
    seen = [c["n"]]
    while writer.is_alive():
        seen.append(c["n"])
    writer.join()
    assert writer.exitcode == 0
    seen.append(c["n"])
    assert seen == sorted(seen)  # a stale hit would go back to an older count
    assert seen[-1] == n
    assert len(set(seen)) > 1


@pytest.mark.s3_only
def test_an_s3_hit_is_one_conditional_get_without_a_body(
        make_dict: Callable[..., PersiDict], backend: str,
        request: pytest.FixtureRequest) -> None:
    if backend != "s3_http":
        pytest.skip("requests are counted at the HTTP endpoint")
    server = request.getfixturevalue("s3_server")
    d = make_dict()
    plain = S3Dict(**{**d.get_params(), "base_dir": None})
    c = cached(plain)
    plain["k"] = b"x" * 100_000
    assert c["k"] == b"x" * 100_000
    statuses: list[int] = []
    plain.s3_store.client.meta.events.register(
        "before-parse.s3", lambda response_dict, **_: statuses.append(
            response_dict["status_code"]))
    before = server.served()
    for _ in range(5):
        assert c["k"] == b"x" * 100_000
    assert server.served() - before == 5  # one request per hit, counted by the server
    assert statuses == [304] * 5  # each answered "not modified", without the body
    plain["k"] = b"y"
    before = server.served()
    statuses.clear()
    assert c["k"] == b"y"  # the changed value came in that same request
    assert server.served() - before == 1
    assert statuses == [200]


def test_a_folder_hit_is_one_stat(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    d = FileDirDict(tmp_path / "d")
    c = cached(d)
    d["k"] = 1
    c["k"]
    calls: list[Any] = []
    real = os.stat
    monkeypatch.setattr(os, "stat", lambda *a, **k: (calls.append(a), real(*a, **k))[1])
    c = cached(d)  # a change check made now sees the counting os.stat
    c["k"]
    calls.clear()
    assert c["k"] == 1
    assert len(calls) == 1


def test_a_value_read_often_outlives_those_read_once(make_dict: Callable[..., PersiDict]
                                                     ) -> None:
    d = make_dict()
    d.update({f"k{i}": "x" * 1000 for i in range(30)})
    c = cached(d, max_bytes=5000)
    for i in range(1, 30):
        c["k0"]  # the hot one
        c[f"k{i}"]  # each read once
    misses = c.cache_info()[1]
    c["k0"]
    assert c.cache_info()[1] == misses  # still kept: no read from the store
    c["k1"]
    assert c.cache_info()[1] == misses + 1  # long evicted
