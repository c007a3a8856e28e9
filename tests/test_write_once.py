"""WriteOnceDict: the first write wins, later ones are ignored and sampled for consistency."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from persidict import DELETE_CURRENT, KEEP_CURRENT, LocalDict, PersiDict, WriteOnceDict


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
    assert dict(d.items()) == dict(twin.items()) == {("a",): [1], ("b",): [2]}
    assert (twin.file_type, twin.immutable_items) == ("json", True)
