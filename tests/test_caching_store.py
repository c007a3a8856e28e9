"""CachingStore over any two stores: a slow one read through a fast one.

The shared suite runs whole on a folder read through a folder ("tiered" in
conftest.py) and on S3 read through a folder ("s3_http"); these tests check what
only a cache can get wrong, for each pair of store kinds, counting the reads
that reach the slow store with a counting subclass."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from persidict import PersiDict
from persidict.stores import CachingStore, FileStore, MemoryStore, Store


class CountingFileStore(FileStore):
    """A FileStore that counts the bytes it hands out."""

    fetched = 0

    def read_with_info(self, name: str) -> Any:
        self.fetched += 1
        return super().read_with_info(name)


class CountingMemoryStore(MemoryStore):
    fetched = 0

    def read_with_info(self, name: str) -> Any:
        self.fetched += 1
        return super().read_with_info(name)


class UntaggedMemoryStore(CountingMemoryStore):
    """A store that does not learn the etag of its conditional writes (the
    contract's default ``create_tagged`` / ``replace_tagged``)."""

    def create(self, name: str, data: bytes) -> bool:
        return MemoryStore.create_tagged(self, name, data) is not None

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return MemoryStore.replace_tagged(self, name, data, etag) is not None

    def create_tagged(self, name: str, data: bytes) -> str | None:
        return Store.create_tagged(self, name, data)

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        return Store.replace_tagged(self, name, data, etag)


SLOW: dict[str, Callable[[Path], Any]] = {
    "folder": lambda tmp: CountingFileStore(tmp / "slow"),
    "memory": lambda tmp: CountingMemoryStore(),
    "untagged": lambda tmp: UntaggedMemoryStore(),
}
FAST: dict[str, Callable[[Path], Store]] = {
    "folder": lambda tmp: FileStore(tmp / "fast"),
    "memory": lambda tmp: MemoryStore(),
}


@pytest.fixture(params=[(s, f) for s in SLOW for f in FAST], ids="{0[0]}-behind-{0[1]}".format)
def tiers(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Store]:
    slow, fast = request.param
    return SLOW[slow](tmp_path), FAST[fast](tmp_path)


def test_an_unchanged_value_is_fetched_from_the_slow_store_once(tiers: tuple[Any, Store]) -> None:
    slow, fast = tiers
    writer = PersiDict(CachingStore(slow, fast))
    writer["a"] = [1, 2, 3]
    assert writer.add("b", "created")
    reader = PersiDict(CachingStore(slow, fast))  # another handle, the same cache
    before = slow.fetched
    assert [reader["a"] for _ in range(5)] == [[1, 2, 3]] * 5
    assert [reader["b"] for _ in range(5)] == ["created"] * 5
    # a create whose etag the slow store did not name leaves no entry to trust
    assert slow.fetched - before == (1 if isinstance(slow, UntaggedMemoryStore) else 0)


def test_a_value_changed_behind_the_cache_is_never_served(tiers: tuple[Any, Store]) -> None:
    slow, fast = tiers
    d = PersiDict(CachingStore(slow, fast))
    d["a"] = "old"
    assert d["a"] == "old"
    PersiDict(slow)["a"] = "new"  # a writer without this cache
    assert d["a"] == "new"
    del PersiDict(slow)["a"]
    with pytest.raises(KeyError):
        d["a"]
    assert list(fast.names()) == []  # the entry of a value gone is dropped


def test_conditional_writes_keep_the_cache_right(tiers: tuple[Any, Store]) -> None:
    slow, fast = tiers
    d = PersiDict(CachingStore(slow, fast))
    assert d.add("n", 1)
    assert d.incr("n") == 2
    assert d.compare_and_set("n", 10, d.etag("n"))
    assert d["n"] == 10
    assert PersiDict(slow)["n"] == 10
    assert d.setdefault("m", 5) == 5
    assert not d.add("m", 6)
    assert d.pop("m") == 5
    assert "m" not in d


def test_write_once_entries_are_served_without_asking(tmp_path: Path) -> None:
    slow = CountingFileStore(tmp_path / "slow")
    d = PersiDict(CachingStore(slow, MemoryStore(), immutable=True), immutable_items=True)
    d["a"] = "kept"
    before = slow.fetched
    assert [d["a"] for _ in range(3)] == ["kept"] * 3
    assert slow.fetched == before


def test_bulk_operations_go_through_the_cache(tiers: tuple[Any, Store]) -> None:
    slow, fast = tiers
    d = PersiDict(CachingStore(slow, fast))
    d.set_many({str(i): i for i in range(10)})
    assert d.add_many({"0": 0, "x": "new"}) == ["0"]
    assert d.get_many([str(i) for i in range(10)]) == list(range(10))
    assert sorted(v for _, v in d.items() if isinstance(v, int)) == list(range(10))
    d.clear()
    assert len(d) == 0
    assert list(fast.names()) == []


class BrokenStore(MemoryStore):
    """A cache that fails every write, as a full disk would."""

    def write(self, name: str, data: bytes) -> str:
        raise OSError(28, "No space left on device")

    def create_tagged(self, name: str, data: bytes) -> str | None:
        raise OSError(28, "No space left on device")

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        raise OSError(28, "No space left on device")


def test_a_failing_cache_costs_a_warning_never_an_operation(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    d = PersiDict(CachingStore(FileStore(tmp_path), BrokenStore()))
    with caplog.at_level(logging.WARNING, logger="persidict"):
        d["a"] = 1
        assert d["a"] == 1
    assert "cannot cache" in caplog.text


@pytest.mark.parametrize("args", [({}, MemoryStore()), (MemoryStore(), "a folder")])
def test_caching_store_takes_two_stores(args: tuple[Any, Any]) -> None:
    with pytest.raises(TypeError, match="two persidict Stores"):
        CachingStore(*args)


def test_immutable_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="immutable"):
        CachingStore(MemoryStore(), MemoryStore(), immutable="yes")  # type: ignore[arg-type]
