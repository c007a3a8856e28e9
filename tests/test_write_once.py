"""WriteOnceDict: the first write wins, later ones are ignored and sampled for consistency."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable

import lz4.frame
import numpy as np
import pytest

from persidict import DELETE_CURRENT, KEEP_CURRENT, LocalDict, PersiDict, WriteOnceDict
from persidict.errors import CorruptValueError


@pytest.fixture
def make_write_once(make_dict: Callable[..., PersiDict]) -> Callable[..., WriteOnceDict]:
    def make(p: float | None = None, **params: object) -> WriteOnceDict:
        return WriteOnceDict(make_dict(immutable_items=True, **params), p)

    return make


def counters(d: WriteOnceDict) -> tuple[int, int, int]:
    return (d.consistency_checks_attempted, d.consistency_checks_passed,
            d.consistency_checks_failed)


def test_later_writes_are_ignored(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once()
    d["k"] = 1
    d["k"] = 2
    d["k", "deep"] = "a"
    d["k", "deep"] = "b"
    assert (d["k"], d["k", "deep"]) == (1, "a")
    assert len(d) == 2
    assert counters(d) == (0, 0, 0)
    assert d.p_consistency_checks == 0


def test_every_rewrite_checked_with_p_one(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1)
    d["k"] = {"a": [1]}
    assert counters(d) == (0, 0, 0)  # a first write is not a check
    d["k"] = {"a": [1]}
    d["k"] = {"a": [1]}
    assert counters(d) == (2, 2, 0)
    with pytest.raises(ValueError, match="different"):
        d["k"] = {"a": [2]}
    assert counters(d) == (3, 2, 1)
    assert d["k"] == {"a": [1]}


def test_numpy_values_are_compared_whole(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1.0)
    d["arr"] = np.arange(4)
    d["arr"] = np.arange(4)
    with pytest.raises(ValueError, match="different"):
        d["arr"] = np.arange(5)
    assert counters(d) == (2, 1, 1)
    np.testing.assert_array_equal(d["arr"], np.arange(4))


def test_checks_are_sampled_with_probability_p() -> None:
    d = WriteOnceDict(LocalDict(immutable_items=True), 0.5)  # the policy, not the store
    d["k"] = 1
    for _ in range(400):
        d["k"] = 1
    attempted, passed, failed = counters(d)
    assert 100 < attempted < 300  # binomial(400, 0.5): 10 standard deviations each way
    assert (passed, failed) == (attempted, 0)


def test_p_zero_and_none_never_check(make_write_once: Callable[..., WriteOnceDict]) -> None:
    for p in (None, 0, 0.0):
        d = make_write_once(p)
        d["k"] = 1
        d["k"] = 2  # would fail a check
        assert counters(d) == (0, 0, 0)


@pytest.mark.parametrize("p", [-0.01, 1.01, 2, float("nan"), float("inf")])
def test_p_outside_unit_interval_is_a_value_error(make_dict: Callable[..., PersiDict],
                                                  p: float) -> None:
    with pytest.raises(ValueError, match="p_consistency_checks"):
        WriteOnceDict(make_dict(immutable_items=True), p)


@pytest.mark.parametrize("p", ["0.5", [0.5], True])
def test_p_not_a_number_is_a_type_error(make_dict: Callable[..., PersiDict], p: object) -> None:
    with pytest.raises(TypeError, match="p_consistency_checks"):
        WriteOnceDict(make_dict(immutable_items=True), p)  # type: ignore[arg-type]


def test_wrapped_dict_must_be_write_once(make_dict: Callable[..., PersiDict]) -> None:
    with pytest.raises(ValueError, match="immutable_items"):
        WriteOnceDict(make_dict(immutable_items=False))
    with pytest.raises(TypeError):
        WriteOnceDict({"a": 1})  # type: ignore[arg-type]


def test_bulk_writes_are_write_once_too(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1)
    d["a"] = 1
    d.update({"a": 1, "b": 2})
    d.set_many([("b", 2), ("c", 3)])
    d |= {"c": 3}
    assert {k.strings: v for k, v in d.items()} == {("a",): 1, ("b",): 2, ("c",): 3}
    assert counters(d) == (3, 3, 0)
    with pytest.raises(ValueError, match="different"):
        d.update({"a": 100})


def test_jokers(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once()
    d["a"] = 1
    d["a"] = KEEP_CURRENT
    assert d["a"] == 1
    with pytest.raises(KeyError):
        d["a"] = DELETE_CURRENT
    with pytest.raises(KeyError):
        del d["a"]
    with pytest.raises(KeyError):
        d.set_many([("b", 2), ("a", DELETE_CURRENT)])
    assert d["a"] == 1
    assert "b" not in d


def test_subdicts_are_write_once_dicts(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1)
    sub = d.get_subdict("p")
    assert type(sub) is WriteOnceDict
    sub["x"] = 1
    sub["x"] = 1  # a checked rewrite with the same value
    assert d["p", "x"] == 1
    with pytest.raises(ValueError, match="different"):
        sub["x"] = 5
    assert set(d.subdicts()) == {"p"}
    assert type(d.subdicts()["p"]) is WriteOnceDict


def test_get_params_round_trip(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(0.25, file_type="json")
    params = d.get_params()
    assert params["p_consistency_checks"] == 0.25
    twin = WriteOnceDict(**params)
    assert twin == d
    d["a"] = [1]
    assert twin["a"] == [1]
    twin["b"] = [2]
    assert dict(d.items()) == dict(twin.items()) == {"a": [1], "b": [2]}
    assert (twin.file_type, twin.immutable_items) == ("json", True)


class Point:
    """A value without ``__eq__``: two equal-looking points are not ``==``."""

    def __init__(self, x: int) -> None:
        self.x = x


def test_checks_compare_stored_bytes_not_eq(make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1)
    d["nan"] = {"loss": float("nan")}
    d["nan"] = {"loss": float("nan")}  # nan != nan, yet the same bytes are stored
    d["obj"] = Point(1)
    d["obj"] = Point(1)
    assert counters(d) == (2, 2, 0)
    with pytest.raises(ValueError, match="different"):
        d["obj"] = Point(2)
    with pytest.raises(ValueError, match="different"):
        d["nan"] = {"loss": 0.0}
    assert counters(d) == (4, 2, 2)


def other_encoding(file_type: str, data: bytes) -> bytes:
    """The same value as another encoder version could have written it."""
    if file_type == "json":
        return json.dumps(json.loads(data), indent=2).encode()
    return pickle.dumps(pickle.loads(lz4.frame.decompress(data)), protocol=2)


@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_checks_accept_the_same_value_in_another_encoding(
        make_write_once: Callable[..., WriteOnceDict], file_type: str) -> None:
    d = make_write_once(1, file_type=file_type)
    d["k"] = {"a": [1, 2.5]}
    [name] = d.store.names()
    d.store.write(name, other_encoding(file_type, d.store.read(name)))
    d["k"] = {"a": [1, 2.5]}
    assert counters(d) == (1, 1, 0)
    assert d.holds("k", {"a": [1, 2.5]})
    assert not d.holds("k", {"a": [1, 2]})


def test_holds(pdict: PersiDict) -> None:
    pdict["k"] = {"loss": float("nan")}
    assert pdict.holds("k", {"loss": float("nan")})
    assert not pdict.holds("k", {"loss": 1.0})
    assert not pdict.holds("absent", 1)
    assert not pdict.get_subdict("k").holds("x", 1)
    pdict["p", "x"] = Point(3)
    assert pdict.get_subdict("p").holds("x", Point(3))
    with pytest.raises(TypeError):
        pdict.holds("k", KEEP_CURRENT)
    with pytest.raises(ValueError, match="unsafe"):
        pdict.holds("../k", 1)
    with pytest.raises(TypeError):
        pdict.holds(5, 1)  # type: ignore[arg-type]


def test_holds_refuses_a_value_the_dict_cannot_store(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(base_class_for_values=int)
    d["k"] = 1
    assert d.holds("k", 1)
    with pytest.raises(TypeError, match="int"):
        d.holds("k", "1")


def test_holds_raises_on_a_corrupt_value(pdict: PersiDict) -> None:
    pdict["k"] = 1
    [name] = pdict.store.names()
    pdict.store.write(name, b"\x00garbage")
    with pytest.raises(CorruptValueError):
        pdict.holds("k", 1)


def test_bulk_rewrites_are_each_checked_in_order(
        make_write_once: Callable[..., WriteOnceDict]) -> None:
    d = make_write_once(1)
    d["a"] = 1
    with pytest.raises(ValueError, match="different"):
        d.update([("a", 2), ("a", 1)])  # the 2 was a different value, ignored
    assert counters(d) == (1, 0, 1)
    d.update([("n", 1), ("n", 1), ("m", KEEP_CURRENT), ("m", 3)])
    assert (d["n"], d["m"], counters(d)) == (1, 3, (2, 1, 1))
    with pytest.raises(ValueError, match="different"):
        d.set_many([("x", 1), ("x", 2)])  # the first write of x wins
    assert d["x"] == 1
    with pytest.raises(KeyError):
        d.set_many([("y", 1), ("y", DELETE_CURRENT)])
    assert "y" not in d
