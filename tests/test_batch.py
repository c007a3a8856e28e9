"""The batch writer (persidict/batch.py) on every backend: order, jokers, failures,
write-once dicts, wrappers. S3 request counts and faults at the endpoint are in
test_batch_s3.py."""

from __future__ import annotations

import itertools
import pickle
import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from persidict import (
    DELETE_CURRENT,
    KEEP_CURRENT,
    BatchError,
    CorruptValueError,
    LocalDict,
    PersiDict,
    PersiDictWrapper,
    StoreError,
    WriteOnceDict,
)
from persidict.stores import ItemInfo, Store


def contents(d: PersiDict) -> dict[tuple[str, ...], Any]:
    return {k.strings: v for k, v in d.items()}


def apply(model: dict[tuple[str, ...], Any], key: tuple[str, ...], value: Any) -> None:
    """What ``d[key] = value`` does, on a plain dict."""
    if value is DELETE_CURRENT:
        model.pop(key, None)
    elif value is not KEEP_CURRENT:
        model[key] = value


DEL = object()  # in batch_of: del b[key]


def batch_of(d: PersiDict, items: list[tuple[Any, Any]], *, max_pending: int = 1000,
             then: Exception | None = None) -> None:
    """One batch of ``(key, value)`` items (``DEL``: ``del b[key]``), then ``raise
    then`` inside the block if given."""
    with d.batch(max_pending=max_pending) as b:
        for key, value in items:
            if value is DEL:
                del b[key]
            else:
                b[key] = value
        if then is not None:
            raise then


def test_writes_deletes_and_jokers(pdict: PersiDict) -> None:
    pdict.update({"old": 0, "keep": 1, "drop": 2})
    with pdict.batch() as b:
        b["a"] = 1
        b["p", "x"] = {"v": [1, 2]}
        b.set("s", "three")
        del b["old"]
        b["drop"] = DELETE_CURRENT
        b["keep"] = KEEP_CURRENT
        b["never"] = KEEP_CURRENT
        assert "a" not in pdict  # nothing is sent before the end
        assert "old" in pdict
    assert contents(pdict) == {("a",): 1, ("p", "x"): {"v": [1, 2]}, ("s",): "three",
                               ("keep",): 1}


def test_a_batch_is_sent_every_max_pending_keys(pdict: PersiDict) -> None:
    with pdict.batch(max_pending=3) as b:
        b["a"] = 1
        b["a"] = 2  # the same key: still one pending
        b["b"] = 1
        assert len(pdict) == 0
        del b["c"]
        assert contents(pdict) == {("a",): 2, ("b",): 1}
        b["d"] = 1
        assert "d" not in pdict
    assert contents(pdict) == {("a",): 2, ("b",): 1, ("d",): 1}


# put A1, put B1, put A2 kept only A2 in a store that grouped items by partition
# and merged only adjacent groups.
@pytest.mark.parametrize("max_pending", [1, 2, 1000])
def test_put_a1_b1_a2_keeps_every_key(pdict: PersiDict, max_pending: int) -> None:
    with pdict.batch(max_pending=max_pending) as b:
        b["A", "1"] = "A1"
        b["B", "1"] = "B1"
        b["A", "2"] = "A2"
        b["A", "x"] = 1
        b["B", "x"] = 1
        b["A", "x"] = 2  # the same key again, with another partition in between
    assert contents(pdict) == {("A", "1"): "A1", ("B", "1"): "B1", ("A", "2"): "A2",
                               ("A", "x"): 2, ("B", "x"): 1}


# Deleting a missing key inside a batch raised and lost the whole batch elsewhere.
def test_deleting_a_missing_key_loses_nothing(pdict: PersiDict) -> None:
    pdict["there"] = 0
    with pdict.batch() as b:
        b["a"] = 1
        del b["missing"]
        del b["there"]
        b["p", "missing"] = DELETE_CURRENT
        b["b"] = 2
    assert contents(pdict) == {("a",): 1, ("b",): 2}


@pytest.mark.parametrize("max_pending", [1, 2, 3, 1000])
def test_items_of_one_key_apply_in_order_across_flushes(pdict: PersiDict,
                                                        max_pending: int) -> None:
    pdict.update({"stored": 0, "dropped": 0, "kept": 0})
    model = contents(pdict)
    items = [("a", DELETE_CURRENT), ("a", 5), ("b", 5), ("b", DELETE_CURRENT),
             ("c", 1), ("c", KEEP_CURRENT), ("stored", KEEP_CURRENT),
             ("dropped", DELETE_CURRENT), ("dropped", KEEP_CURRENT),
             ("kept", DELETE_CURRENT), ("kept", 7), ("kept", KEEP_CURRENT),
             ("e", 1), ("e", 2), ("b", 6), ("e", DELETE_CURRENT), ("a", 8)]
    with pdict.batch(max_pending=max_pending) as b:
        for key, value in items:
            b[key] = value
            apply(model, (key,), value)
    assert contents(pdict) == model == {("a",): 8, ("b",): 6, ("c",): 1, ("stored",): 0,
                                        ("kept",): 7}


def test_random_batches_match_a_dict(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    model: dict[tuple[str, ...], Any] = {}
    rng = random.Random(9)
    keys = [(p, k) for p in "AB" for k in "xyz"] + [("t",)]
    for max_pending in (1, 2, 5, 1000):
        with d.batch(max_pending=max_pending) as b:
            for n in range(60):
                key = rng.choice(keys)
                value = rng.choice([n, n, n, DELETE_CURRENT, KEEP_CURRENT, "del"])
                if value == "del":
                    del b[key]
                    value = DELETE_CURRENT
                else:
                    b[key] = value
                apply(model, key, value)
        assert contents(d) == model, max_pending


_keys = st.lists(st.sampled_from(["a", "b", "C"]), min_size=1, max_size=2).map(tuple)
_values = st.one_of(st.integers(-3, 3), st.text("xy", max_size=2), st.none(),
                    st.sampled_from([DELETE_CURRENT, KEEP_CURRENT, DEL]))


def test_batches_match_a_dict_hypothesis(make_dict: Callable[..., PersiDict],
                                         backend: str) -> None:
    places = itertools.count()

    @settings(deadline=None, max_examples=8 if backend.startswith("s3") else 30)
    @given(start=st.dictionaries(_keys, st.integers(), max_size=3),
           items=st.lists(st.tuples(_keys, _values), max_size=10),
           max_pending=st.integers(1, 4))
    def check(start: dict[tuple[str, ...], Any], items: list[tuple[Any, Any]],
              max_pending: int) -> None:
        d = make_dict(f"run{next(places)}", file_type="json")
        d.update(start)
        model = dict(start)
        batch_of(d, items, max_pending=max_pending)
        for key, value in items:
            apply(model, key, DELETE_CURRENT if value is DEL else value)
        assert contents(d) == model

    check()


def test_a_raising_block_sends_nothing_pending(pdict: PersiDict) -> None:
    error = RuntimeError("boom")
    with pytest.raises(RuntimeError) as info:  # a, b, c are sent at the third key
        batch_of(pdict, [("a", 1), ("b", 2), ("c", 3), ("a", DEL), ("d", 4)], max_pending=3,
                 then=error)
    assert info.value is error
    assert contents(pdict) == {("a",): 1, ("b",): 2, ("c",): 3}  # earlier flushes stay


def test_bad_keys_and_values_raise_where_they_are_given(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(base_class_for_values=int)
    with d.batch() as b:
        b["a"] = 1
        with pytest.raises(TypeError, match="int"):
            b["b"] = "not an int"
        with pytest.raises(ValueError, match="c/d"):
            b["c/d"] = 1
        with pytest.raises(TypeError):
            b[1.5] = 1  # type: ignore[index]
        b["e"] = 2
    assert contents(d) == {("a",): 1, ("e",): 2}
    with pytest.raises(TypeError, match="int"):
        batch_of(d, [("f", 3), ("g", "not an int")])
    assert "f" not in d  # the error left the block: nothing pending was sent


def test_a_value_is_taken_when_it_is_given(pdict: PersiDict) -> None:
    value = [1]
    with pdict.batch() as b:
        b["a"] = value
        value.append(2)
    assert pdict["a"] == [1]


@pytest.mark.parametrize("max_pending", [0, -1])
def test_max_pending_below_one_is_a_value_error(max_pending: int) -> None:
    with pytest.raises(ValueError, match="max_pending"):
        LocalDict().batch(max_pending=max_pending)


@pytest.mark.parametrize("max_pending", [True, 1.5, "3", None])
def test_max_pending_not_an_int_is_a_type_error(max_pending: Any) -> None:
    with pytest.raises(TypeError, match="max_pending"):
        LocalDict().batch(max_pending=max_pending)


def test_a_batch_takes_writes_inside_one_with_block() -> None:
    d = LocalDict()
    b = d.batch()
    with pytest.raises(RuntimeError, match="with block"):
        b["a"] = 1
    with b:
        b["a"] = 1
    with pytest.raises(RuntimeError, match="closed"):
        b["b"] = 1
    with pytest.raises(RuntimeError, match="one with block"), b:
        pass
    assert contents(d) == {("a",): 1}


def test_per_item_ttl_needs_item_ttl() -> None:
    d = LocalDict()
    with d.batch() as b:
        b.set("a", 1, ttl=None)
        with pytest.raises(ValueError, match="item_ttl"):
            b.set("b", 1, ttl=5)
    assert contents(d) == {("a",): 1}


# --- write-once dicts


@pytest.mark.parametrize("max_pending", [1, 1000])
def test_write_once_refuses_each_rewrite_and_writes_the_rest(
        make_dict: Callable[..., PersiDict], max_pending: int) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    with pytest.raises(BatchError) as info:
        batch_of(d, [("a", 2), ("b", 1), ("c", 1), ("c", 2), ("c", KEEP_CURRENT), ("d", 1)],
                 max_pending=max_pending)
    failed = info.value.failures
    assert [key.strings for key, _ in failed] == [("a",), ("c",)]
    assert all(type(e) is KeyError and "write-once" in str(e) for _, e in failed)
    assert "2 of" in str(info.value)
    assert contents(d) == {("a",): 1, ("b",): 1, ("c",): 1, ("d",): 1}


def test_write_once_refuses_deletes_where_they_are_given(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    for delete in (DEL, DELETE_CURRENT):
        with pytest.raises(KeyError, match="write-once"):
            batch_of(d, [("x", 1), ("a", delete)])
    assert contents(d) == {("a",): 1}


@pytest.mark.plain_dict  # WriteOnceDict.batch() needs a dict over a store
def test_write_once_dict_batches_ignore_rewrites(make_dict: Callable[..., PersiDict]) -> None:
    d = WriteOnceDict(make_dict(immutable_items=True), p_consistency_checks=1)
    d["a"] = 1
    with d.batch(max_pending=2) as b:
        b["a"] = 1
        b["b"] = 2
        b["b"] = 2
        b["c"] = 3
    assert contents(d) == {("a",): 1, ("b",): 2, ("c",): 3}
    assert (d.consistency_checks_attempted, d.consistency_checks_passed) == (2, 2)
    with pytest.raises(BatchError) as info:
        batch_of(d, [("a", 100), ("e", 1), ("e", 9), ("b", 2)])
    failed = info.value.failures
    assert [(key.strings, type(e)) for key, e in failed] == [(("a",), ValueError),
                                                              (("e",), ValueError)]
    assert contents(d) == {("a",): 1, ("b",): 2, ("c",): 3, ("e",): 1}
    assert d.consistency_checks_failed == 2
    unchecked = WriteOnceDict(d.inner)  # p = 0: rewrites pass unchecked
    with unchecked.batch() as b:
        b["a"] = 100
    assert d["a"] == 1


@pytest.mark.plain_dict  # WriteOnceDict.batch() needs a dict over a store
def test_a_check_that_cannot_read_fails_its_item_only(
        make_dict: Callable[..., PersiDict]) -> None:
    d = WriteOnceDict(make_dict(immutable_items=True), p_consistency_checks=1)
    d["a"] = 1
    [name] = d.store.names()
    d.store.write(name, b"not a value")
    with pytest.raises(BatchError) as info:
        batch_of(d, [("a", 1), ("b", 2)])
    [(key, error)] = info.value.failures
    assert key == "a"
    assert isinstance(error, CorruptValueError)
    assert d["b"] == 2


# --- wrappers and subdicts


def test_wrapper_and_subdict_batches_write_where_they_should(pdict: PersiDict) -> None:
    with PersiDictWrapper(pdict).batch() as b:
        b["w"] = 1
    with pdict.get_subdict("p").batch() as b:
        b["x"] = 2
        b["q", "y"] = 3
    with PersiDictWrapper(pdict).get_subdict(("p", "q")).batch() as b:
        del b["y"]
    assert contents(pdict) == {("w",): 1, ("p", "x"): 2}


# --- failures


class FailingStore(Store):
    """``inner``, but once ``failing`` is set, every write, create or delete of a name
    holding ``"bad"`` raises a StoreError."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.failing = False

    def _check(self, op: str, name: str) -> None:
        if self.failing and "bad" in name:
            raise StoreError(f"injected failure of {op} {name}")

    @property
    def url(self) -> str:
        return self.inner.url

    def read(self, name: str) -> bytes:
        return self.inner.read(name)

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        return self.inner.read_with_info(name)

    def stat(self, name: str) -> ItemInfo:
        return self.inner.stat(name)

    def write(self, name: str, data: bytes) -> str:
        self._check("write", name)
        return self.inner.write(name, data)

    def create(self, name: str, data: bytes) -> bool:
        self._check("create", name)
        return self.inner.create(name, data)

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        self._check("replace", name)
        return self.inner.replace(name, data, etag)

    def delete(self, name: str) -> None:
        self._check("delete", name)
        self.inner.delete(name)

    def delete_if(self, name: str, etag: str) -> bool:
        self._check("delete_if", name)
        return self.inner.delete_if(name, etag)

    def names(self, suffix: str = "") -> Iterator[str]:
        return self.inner.names(suffix)

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return self.inner.infos(suffix)

    def dirs(self) -> Iterator[str]:
        return self.inner.dirs()

    def substore(self, dir_name: str) -> Store:
        return self.inner.substore(dir_name)

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        return self.inner.lock(name, timeout)


@pytest.fixture
def failing(make_dict: Callable[..., PersiDict]) -> Callable[..., tuple[PersiDict, FailingStore]]:
    def make(**params: Any) -> tuple[PersiDict, FailingStore]:
        store = FailingStore(make_dict().store)
        return PersiDict(store, **params), store

    return make


@pytest.mark.parametrize("max_pending", [1, 1000])
def test_failed_items_are_each_reported_and_the_rest_written(
        failing: Callable[..., tuple[PersiDict, FailingStore]], max_pending: int) -> None:
    d, store = failing()
    d.update({"bad-old": 0, "ok-old": 0, ("p", "bad"): 0})
    store.failing = True
    with pytest.raises(BatchError) as info:
        batch_of(d, [("ok1", 1), ("bad1", 1), ("ok2", 2), ("bad-old", DEL), ("ok-old", DEL),
                     ("bad2", KEEP_CURRENT),  # nothing to send: no failure
                     (("p", "bad"), 5), ("bad3", 3)], max_pending=max_pending)
    failed = info.value.failures
    assert [key.strings for key, _ in failed] == [("bad1",), ("bad-old",), ("p", "bad"),
                                                  ("bad3",)]
    assert all(isinstance(e, StoreError) and "injected" in str(e) for _, e in failed)
    assert info.value.__cause__ is failed[0][1]
    assert "4 of 7 items" in str(info.value)
    assert contents(d) == {("ok1",): 1, ("ok2",): 2, ("bad-old",): 0, ("p", "bad"): 0}


def test_write_once_failures_and_refusals_in_one_report(
        failing: Callable[..., tuple[PersiDict, FailingStore]]) -> None:
    d, store = failing(immutable_items=True)
    d["ok-old"] = 0
    store.failing = True
    with pytest.raises(BatchError) as info:  # the second "bad" shares the first's failure
        batch_of(d, [("ok-old", 1), ("bad", 1), ("bad", 2), ("ok", 1)])
    assert [(key.strings, type(e)) for key, e in info.value.failures] == [
        (("ok-old",), KeyError), (("bad",), StoreError), (("bad",), StoreError)]
    assert contents(d) == {("ok-old",): 0, ("ok",): 1}


def test_a_raising_block_notes_what_earlier_flushes_failed(
        failing: Callable[..., tuple[PersiDict, FailingStore]]) -> None:
    d, store = failing()
    store.failing = True
    with pytest.raises(RuntimeError, match="boom") as info:
        batch_of(d, [("bad", 1), ("ok", 1)], max_pending=1, then=RuntimeError("boom"))
    assert any("'bad'" in note for note in getattr(info.value, "__notes__", ["'bad'"]))
    assert contents(d) == {("ok",): 1}


def test_batch_errors_pickle() -> None:
    error = BatchError("1 of 2 items failed", [("k", StoreError("gone"))])
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == "1 of 2 items failed"
    assert [(k, str(e)) for k, e in again.failures] == [("k", "gone")]


# --- the store surface a batch uses


def test_stores_attempt_every_item(make_dict: Callable[..., PersiDict]) -> None:
    store = make_dict().store
    assert store.try_write_many([("a.pkl", b"1"), ("p/b.pkl", b"2")]) == {}
    assert store.try_create_many([("a.pkl", b"3"), ("c.pkl", b"4")]) == (["a.pkl"], {})
    assert store.try_delete_many(["p/b.pkl", "missing.pkl"]) == {}
    assert sorted(store.names()) == ["a.pkl", "c.pkl"]
    assert store.read("a.pkl") == b"1"
