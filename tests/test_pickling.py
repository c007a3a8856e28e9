"""A dict handle pickles as its parameters and reopens the same store, also in
another process; an in-memory dict refuses."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from persidict import FileDirDict, LocalDict, OverlappingMultiDict, PersiDict, WriteOnceDict
from persidict.stores import ZipStore


def refuses_pickling(d: PersiDict) -> bool:
    """In-memory dicts, and a zip archive's one writer, cannot go to another process."""
    return isinstance(d, LocalDict) or (isinstance(d.store, ZipStore) and d.store.mode == "a")


def pickle_round_trip(d: object) -> object:
    return pickle.loads(pickle.dumps(d))


def test_handle_pickles_as_parameters(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="json", digest_len=3, base_class_for_values=dict)
    if refuses_pickling(d):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(d)
        return
    empty_size = len(pickle.dumps(d))
    d.update({str(i): {"payload": "x" * 1000} for i in range(30)})
    assert len(pickle.dumps(d)) == empty_size  # never its contents
    twin = pickle_round_trip(d)
    assert type(twin) is type(d)
    assert twin == d
    assert twin.get_params() == d.get_params()
    assert len(twin) == 30
    assert dict(twin.items()) == dict(d.items())  # the same items, not just equal parameters
    twin["new"] = {"from": "twin"}
    assert d["new"] == {"from": "twin"}
    assert dict(twin.items()) == dict(d.items())


def test_subdict_pickles(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    if refuses_pickling(d):
        with pytest.raises(TypeError):
            pickle.dumps(d.get_subdict("p"))
        return
    d["p", "a"] = 1
    sub = pickle_round_trip(d.get_subdict("p"))
    assert sub["a"] == 1
    sub["b"] = 2
    assert d["p", "b"] == 2


def test_local_dict_refuses_pickling_and_says_why() -> None:
    d = LocalDict()
    d["a"] = 1
    with pytest.raises(TypeError, match="LocalDict") as info:
        pickle.dumps(d)
    assert "memory" in str(info.value)


def test_write_once_dict_pickles(tmp_path: Path) -> None:
    d = WriteOnceDict(FileDirDict(tmp_path, immutable_items=True), p_consistency_checks=0.5)
    d["a"] = 1
    twin = pickle_round_trip(d)
    assert type(twin) is WriteOnceDict
    assert twin.p_consistency_checks == 0.5
    assert twin["a"] == 1
    assert twin.inner == d.inner
    twin["b"] = 2
    assert dict(d.inner.items()) == dict(twin.inner.items()) == {"a": 1, "b": 2}


def test_overlapping_multi_dict_pickles(tmp_path: Path) -> None:
    m = OverlappingMultiDict(FileDirDict, {"base_dir": tmp_path}, json={}, txt={})
    m.json["a"] = [1]
    twin = pickle_round_trip(m)
    assert twin.json["a"] == [1]
    twin.txt["a"] = "note"
    assert m.txt["a"] == "note"


# --- a real worker process (spawn: nothing is inherited but what is pickled)


def double_in_worker(d: PersiDict) -> tuple[str, str]:
    d["out"] = [2 * x for x in d["in"]]
    d.get_subdict("sub")["w"] = "worker"
    return type(d).__name__, d.base_url


def test_handle_reopens_the_same_store_in_a_spawned_worker(
        make_dict: Callable[..., PersiDict], backend: str) -> None:
    if backend in ("memory", "s3_mock"):
        pytest.skip(f"a {backend} store lives inside this process")
    if backend == "zip":
        pytest.skip("a zip writer cannot be pickled (test_handle_pickles_as_parameters)")
    d = make_dict(file_type="json")
    d["in"] = [1, 2, 3]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        name, url = pool.apply(double_in_worker, (d,))
    assert (name, url) == (type(d).__name__, d.base_url)
    assert d["out"] == [2, 4, 6]
    assert d["sub", "w"] == "worker"


def test_local_dict_cannot_be_sent_to_a_worker() -> None:
    d = LocalDict()
    with multiprocessing.get_context("spawn").Pool(1) as pool, \
            pytest.raises(TypeError, match="cannot be pickled"):
        pool.apply(double_in_worker, (d,))
