"""Joker values: KEEP_CURRENT and DELETE_CURRENT change items instead of being stored."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

import persidict.jokers as jokers_module
from persidict import (
    DELETE_CURRENT,
    KEEP_CURRENT,
    DeleteCurrentFlag,
    Joker,
    KeepCurrentFlag,
    PersiDict,
)


def test_jokers_are_singletons() -> None:
    assert KeepCurrentFlag() is KEEP_CURRENT
    assert DeleteCurrentFlag() is DELETE_CURRENT
    assert KEEP_CURRENT is not DELETE_CURRENT
    assert isinstance(KEEP_CURRENT, Joker)
    assert isinstance(DELETE_CURRENT, Joker)
    assert jokers_module.KEEP_CURRENT is KEEP_CURRENT
    assert jokers_module.DELETE_CURRENT is DELETE_CURRENT


def test_jokers_stay_singletons_through_pickle() -> None:
    for joker in (KEEP_CURRENT, DELETE_CURRENT):
        assert pickle.loads(pickle.dumps(joker)) is joker


def test_joker_base_is_abstract() -> None:
    with pytest.raises(TypeError):
        Joker()


def test_joker_repr_names_it() -> None:
    assert "Keep" in repr(KEEP_CURRENT)
    assert "Delete" in repr(DELETE_CURRENT)


def test_keep_current(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["a"] = KEEP_CURRENT
    assert pdict["a"] == 1
    pdict["b"] = KEEP_CURRENT
    assert "b" not in pdict
    assert len(pdict) == 1


def test_keep_current_leaves_the_timestamp(pdict: PersiDict) -> None:
    pdict["a"] = 1
    before = pdict.timestamp("a")
    pdict["a"] = KEEP_CURRENT
    assert pdict.timestamp("a") == before


def test_delete_current(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["a", "b"] = 2
    pdict["a"] = DELETE_CURRENT
    assert "a" not in pdict
    assert pdict["a", "b"] == 2
    pdict["missing"] = DELETE_CURRENT  # absent: nothing to do, no error
    assert len(pdict) == 1


@pytest.mark.parametrize("method", ["update", "set_many"])
def test_jokers_in_bulk_writes(pdict: PersiDict, method: str) -> None:
    pdict.update({"keep": 1, "drop": 2, "other": 3})
    getattr(pdict, method)({"keep": KEEP_CURRENT, "drop": DELETE_CURRENT, "new": 4,
                            "never": KEEP_CURRENT, "gone": DELETE_CURRENT})
    assert {k.strings: v for k, v in pdict.items()} == {("keep",): 1, ("other",): 3,
                                                         ("new",): 4}


def test_jokers_through_subdicts(pdict: PersiDict) -> None:
    pdict["p", "a"] = 1
    sub = pdict.get_subdict("p")
    sub["a"] = KEEP_CURRENT
    assert pdict["p", "a"] == 1
    sub["a"] = DELETE_CURRENT
    assert ("p", "a") not in pdict


def test_jokers_on_write_once_dicts(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    d["a"] = KEEP_CURRENT
    assert d["a"] == 1
    with pytest.raises(KeyError):
        d["a"] = DELETE_CURRENT
    assert d["a"] == 1


def test_jokers_are_not_stored_as_values_of_a_joker_base_class(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(base_class_for_values=int)
    d["a"] = 1
    d["a"] = KEEP_CURRENT  # a joker is not a value: the base class does not apply
    d["a"] = DELETE_CURRENT
    assert "a" not in d


@pytest.mark.parametrize("method", ["update", "set_many"])
def test_bulk_items_for_one_key_apply_in_order(pdict: PersiDict, method: str) -> None:
    pdict.update({"stored": 0, "dropped": 0, "kept": 0})
    getattr(pdict, method)([
        ("a", DELETE_CURRENT), ("a", 5),  # the last one wins, as in dict.update
        ("b", 5), ("b", DELETE_CURRENT),
        ("c", 1), ("c", KEEP_CURRENT),  # keeps what came before it in the batch
        ("stored", KEEP_CURRENT),  # or what is stored
        ("dropped", DELETE_CURRENT), ("dropped", KEEP_CURRENT),
        ("kept", DELETE_CURRENT), ("kept", 7), ("kept", KEEP_CURRENT),
        ("e", 1), ("e", 2),
    ])
    assert {k.strings: v for k, v in pdict.items()} == {
        ("a",): 5, ("c",): 1, ("stored",): 0, ("kept",): 7, ("e",): 2}


def test_bulk_items_on_write_once_dicts_refuse_before_writing(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    with pytest.raises(KeyError, match="write-once"):
        d.update([("a", 5), ("a", DELETE_CURRENT)])
    with pytest.raises(KeyError, match="write-once"):
        d.update([("b", 1), ("a", 5), ("a", 6)])  # a second write of one key
    assert len(d) == 0
    d.update([("a", KEEP_CURRENT), ("a", 5), ("a", KEEP_CURRENT)])
    assert d == {"a": 5}
