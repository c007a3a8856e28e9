"""get_subdict() as a live view of a key prefix, and subdicts()."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from persidict import PersiDict, SafeStrTuple


def contents(d: PersiDict) -> dict:
    return {k.strings: v for k, v in d.items()}


@pytest.fixture
def filled(pdict: PersiDict) -> PersiDict:
    pdict.update({"a": 0, ("a", "x"): 1, ("a", "y", "z"): 2, ("b", "x"): 3, "c": 4})
    return pdict


def test_subdict_sees_the_keys_under_its_prefix(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    assert contents(sub) == {("x",): 1, ("y", "z"): 2}
    assert len(sub) == 2
    assert "x" in sub
    assert ("a", "x") not in sub
    assert sub["y", "z"] == 2
    assert all(type(k) is SafeStrTuple for k in sub)


def test_writes_through_the_subdict_show_in_the_parent(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    sub["new"] = 5
    sub["x"] = 10
    del sub["y", "z"]
    assert contents(filled) == {("a",): 0, ("a", "x"): 10, ("a", "new"): 5, ("b", "x"): 3,
                                ("c",): 4}


def test_writes_to_the_parent_show_in_the_subdict(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    filled["a", "w"] = 7
    filled["a", "x"] = 11
    del filled["a", "y", "z"]
    filled["b", "other"] = 8
    assert contents(sub) == {("w",): 7, ("x",): 11}


def test_subdict_of_an_absent_prefix_is_empty_and_writable(pdict: PersiDict) -> None:
    sub = pdict.get_subdict(("no", "such"))
    assert len(sub) == 0
    assert sub.random_key() is None
    sub["k"] = 1
    assert contents(pdict) == {("no", "such", "k"): 1}


def test_nested_prefixes(filled: PersiDict) -> None:
    deep = filled.get_subdict(("a", "y"))
    assert contents(deep) == {("z",): 2}
    assert contents(filled.get_subdict("a").get_subdict("y")) == {("z",): 2}
    assert contents(filled.get_subdict(["a", ["y"]])) == {("z",): 2}
    deep["q"] = 9
    assert filled["a", "y", "q"] == 9


def test_subdict_methods_act_on_the_view_only(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    assert sub.pop("x") == 1
    assert sub.setdefault("s", 6) == 6
    key, value = sub.popitem()
    assert (key.strings, value) in {(("y", "z"), 2), (("s",), 6)}
    sub.clear()
    assert len(sub) == 0
    assert contents(filled) == {("a",): 0, ("b", "x"): 3, ("c",): 4}


def test_subdict_keeps_the_parents_parameters(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="json", immutable_items=True, digest_len=3,
                  base_class_for_values=int)
    sub = d.get_subdict("p")
    assert (sub.file_type, sub.immutable_items, sub.digest_len) == ("json", True, 3)
    assert sub.base_class_for_values is int
    assert type(sub) is type(d)
    sub["a"] = 1
    with pytest.raises(KeyError):
        sub["a"] = 2
    with pytest.raises(TypeError):
        sub["b"] = "x"


def test_subdict_reopens_from_its_params(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    twin = type(sub)(**sub.get_params())
    assert twin == sub
    assert contents(twin) == {("x",): 1, ("y", "z"): 2}
    twin["w"] = 3
    assert filled["a", "w"] == 3
    assert contents(sub) == contents(twin)


def test_subdict_timestamps_match_the_parent(filled: PersiDict) -> None:
    sub = filled.get_subdict("a")
    assert sub.timestamp("x") == filled.timestamp(("a", "x"))
    assert set(sub.newest_keys()) == {"x", ("y", "z")}


def test_subdicts(filled: PersiDict) -> None:
    subs = filled.subdicts()
    assert set(subs) == {"a", "b"}  # "c" is only a leaf
    assert contents(subs["a"]) == contents(filled.get_subdict("a"))
    assert contents(subs["b"]) == {("x",): 3}
    assert subs["a"] == filled.get_subdict("a")
    subs["b"]["live"] = 1
    assert filled["b", "live"] == 1


def test_subdicts_of_an_empty_dict(pdict: PersiDict) -> None:
    assert pdict.subdicts() == {}
    pdict["leaf"] = 1
    assert pdict.subdicts() == {}


def test_subdicts_skip_emptied_prefixes(filled: PersiDict) -> None:
    filled.get_subdict("b").clear()
    assert set(filled.subdicts()) == {"a"}


def test_subdicts_of_a_subdict(filled: PersiDict) -> None:
    subs = filled.get_subdict("a").subdicts()
    assert set(subs) == {"y"}
    assert contents(subs["y"]) == {("z",): 2}


def test_subdicts_only_see_their_file_type(make_dict: Callable[..., PersiDict]) -> None:
    pkl, txt = make_dict(file_type="pkl"), make_dict(file_type="txt")
    txt["t", "x"] = "text"
    pkl["p", "x"] = 1
    assert set(pkl.subdicts()) == {"p"}
    assert set(txt.subdicts()) == {"t"}
