"""mirror(primary, *replicas): every write reaches every replica; a failing replica is named."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import S3_MOCK_ENDPOINT

from persidict import (
    DELETE_CURRENT,
    FileDirDict,
    MirrorDict,
    MirrorError,
    PersiDict,
    S3Dict,
    StoreError,
    mirror,
)


@pytest.fixture
def trio(make_dict: Callable[..., PersiDict]) -> tuple[MirrorDict, PersiDict, PersiDict]:
    primary, replica = make_dict("p"), make_dict("r")
    return mirror(primary, replica), primary, replica


def same(a: PersiDict, b: PersiDict) -> bool:
    return dict(a.items()) == dict(b.items())


def test_every_write_reaches_the_replica(trio: tuple[MirrorDict, PersiDict, PersiDict]
                                         ) -> None:
    m, primary, replica = trio
    m["a"] = 1
    m["b", "c"] = 2
    m.set("s", 3)
    m.update({"u": 4}, v=5)
    m.set_many([("w", 6), ("w", 7)])
    m |= {"x": 8}
    assert same(primary, replica)
    assert replica["w"] == 7
    del m["u"]
    assert m.delete_if_exists("v")
    assert not m.delete_if_exists("v")
    m["x"] = DELETE_CURRENT
    assert same(primary, replica)
    assert "u" not in replica
    assert m.add("n", 1)
    assert not m.add("n", 2)
    assert m.add_many({"n": 3, "o": 4}) == ["n"]
    assert m.setdefault("p", 5) == 5
    assert m.setdefault("p", 6) == 5
    assert m.incr("n", 10) == 11
    assert m.transform("o", lambda v: v * 10) == 40
    assert m.compare_and_set("a", 9, primary.etag("a"))
    assert not m.compare_and_set("a", 10, "stale")
    assert m.pop("p") == 5
    assert m.pop("p", None) is None
    assert same(primary, replica)
    assert replica["n"] == 11
    assert replica["a"] == 9
    assert m.compare_and_delete("o", primary.etag("o"))
    key, _value = m.popitem()
    assert key not in replica
    assert same(primary, replica)
    with m.batch(max_pending=2) as b:
        for i in range(5):
            b[f"k{i}"] = i
        del b["a"]
    assert same(primary, replica)
    assert replica["k4"] == 4
    assert "a" not in replica
    m.clear()
    assert len(primary) == len(replica) == 0


def test_reads_come_from_the_primary(trio: tuple[MirrorDict, PersiDict, PersiDict]) -> None:
    m, primary, replica = trio
    primary["only"] = 1
    replica["stray"] = 2
    assert m["only"] == 1
    assert "stray" not in m
    assert sorted(m) == ["only"]


def test_subdicts_mirror_their_part(trio: tuple[MirrorDict, PersiDict, PersiDict]) -> None:
    m, _primary, replica = trio
    m["g", "a"] = 1
    sub = m.get_subdict("g")
    assert isinstance(sub, MirrorDict)
    sub["b"] = 2
    assert replica["g", "b"] == 2
    assert set(m.subdicts()) == {"g"}
    m.subdicts()["g"]["c"] = 3
    assert replica["g", "c"] == 3


def test_round_trips_and_pickles(trio: tuple[MirrorDict, PersiDict, PersiDict],
                                 backend: str) -> None:
    if backend == "zip":
        pytest.skip("a zip archive's one writer cannot be pickled (test_zip_store.py)")
    m, _primary, replica = trio
    twin = type(m)(**m.get_params())
    assert twin == m
    assert twin.replicas == (replica,)
    if backend not in ("memory", "s3_mock"):
        again = pickle.loads(pickle.dumps(m))
        assert again == m
        again["k"] = 1
        assert replica["k"] == 1


def test_atomic_operations_are_decided_on_the_primary(
        trio: tuple[MirrorDict, PersiDict, PersiDict]) -> None:
    m, primary, replica = trio
    replica["n"] = 100  # a replica that drifted: the primary's count wins
    primary["n"] = 1
    assert m.incr("n") == 2
    assert replica["n"] == 2
    replica["a"] = "replica's"
    assert m.add("a", "mine")  # absent on the primary: added, and copied over
    assert replica["a"] == "mine"
    primary["b"] = "primary's"
    assert not m.add("b", "mine")
    assert "b" not in replica


def test_a_failing_replica_is_named_after_the_primary_wrote(tmp_path: Path) -> None:
    primary, good = FileDirDict(tmp_path / "p"), FileDirDict(tmp_path / "good")
    bad = FileDirDict(tmp_path / "bad")
    m = mirror(primary, bad, good)
    shutil.rmtree(tmp_path / "bad")
    (tmp_path / "bad").write_text("a file where the replica's folder was")
    for write in (lambda: m.__setitem__("k", 1), lambda: m.set_many({"j": 2}),
                  lambda: m.incr("n")):
        with pytest.raises(MirrorError, match="1 of 2 replicas") as info:
            write()
        assert str(tmp_path / "bad") in str(info.value)
        [(replica, error)] = info.value.failures
        assert replica is bad
        assert isinstance(error, (OSError, ValueError))
    assert dict(primary.items()) == dict(good.items()) == {"k": 1, "j": 2, "n": 1}


def test_a_replica_that_refuses_the_value_is_reported(tmp_path: Path) -> None:
    primary = FileDirDict(tmp_path / "p")
    strict = FileDirDict(tmp_path / "strict", base_class_for_values=str)
    m = mirror(primary, strict)
    with pytest.raises(MirrorError) as info:
        m["k"] = 1
    assert isinstance(info.value.failures[0][1], TypeError)
    assert primary["k"] == 1
    assert "k" not in strict
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)


def test_an_s3_replica_whose_bucket_is_missing_is_named(tmp_path: Path,
                                                        s3_mock_session: None) -> None:
    primary = FileDirDict(tmp_path / "p")
    gone = S3Dict("mirror-bucket-gone", endpoint_url=S3_MOCK_ENDPOINT, base_dir=None)
    gone["x"] = 0  # the bucket is made on first use; then it goes
    gone.s3_store.client.delete_object(Bucket=gone.bucket_name, Key="x.pkl")
    gone.s3_store.client.delete_bucket(Bucket=gone.bucket_name)
    m = mirror(primary, gone)
    with pytest.raises(MirrorError, match="mirror-bucket-gone") as info:
        m["k"] = 1
    assert isinstance(info.value.failures[0][1], StoreError)
    assert primary["k"] == 1


def test_a_bad_key_or_value_changes_nothing(trio: tuple[MirrorDict, PersiDict, PersiDict]
                                            ) -> None:
    m, primary, replica = trio
    with pytest.raises(ValueError, match="key"):
        m["a/b"] = 1
    with pytest.raises(TypeError):
        m[1] = 1  # type: ignore[index]
    assert len(primary) == len(replica) == 0


@pytest.mark.parametrize(("args", "error"), [
    (({"a": 1},), TypeError),
    ((), ValueError),
    (("not a dict",), TypeError),
])
def test_bad_mirrors_are_refused(tmp_path: Path, args: tuple[Any, ...],
                                 error: type[Exception]) -> None:
    d = FileDirDict(tmp_path / "p")
    with pytest.raises(error):
        mirror(*args) if args and isinstance(args[0], dict) else mirror(d, *args)
    with pytest.raises(ValueError, match="twice"):
        mirror(d, d)


def _add_all(m: MirrorDict, worker: int, n: int) -> None:
    for i in range(n):
        m.add(f"k{i}", worker)
        m.incr("total")


@pytest.mark.slow
def test_racing_adds_are_won_once_and_the_winner_is_copied(tmp_path: Path) -> None:
    import multiprocessing

    primary, replica = FileDirDict(tmp_path / "p"), FileDirDict(tmp_path / "r")
    m = mirror(primary, replica)
    n, workers = 40, 4
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_add_all, args=(m, w, n)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * workers
    assert primary["total"] == n * workers  # counted exactly on the primary
    del primary["total"], replica["total"]  # a replica's count is some value the primary had
    assert len(primary) == n
    assert dict(primary.items()) == dict(replica.items())  # only each winner was copied
