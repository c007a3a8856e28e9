"""The MutableMapping API with dict semantics, on every backend and file_type."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest

from persidict import PersiDict, SafeStrTuple
from persidict.wrappers import PersiDictWrapper

VALUES = [0, -7, 2**70, 3.25, "", "text", "ünïcode", None, True, [1, [2, "x"]],
          {"a": {"b": [None, 1.5]}}, (1, "two"), {"set", "of"}]


def as_dict(d: PersiDict) -> dict:
    return {k.strings: v for k, v in d.items()}


def test_is_a_mutable_mapping(pdict: PersiDict) -> None:
    assert isinstance(pdict, MutableMapping)


def test_empty(pdict: PersiDict) -> None:
    assert len(pdict) == 0
    assert list(pdict) == []
    assert "a" not in pdict
    assert pdict.get("a") is None
    assert pdict.get("a", 5) == 5
    with pytest.raises(KeyError):
        pdict["a"]
    with pytest.raises(KeyError):
        del pdict["a"]
    with pytest.raises(KeyError):
        pdict.pop("a")
    with pytest.raises(KeyError):
        pdict.popitem()
    assert pdict == {}
    assert pdict.random_key() is None


def value_id(value: object) -> str:
    """repr, but a set's in sorted order: test names must not vary between runs
    (pytest-xdist's workers compare them)."""
    return f"set({sorted(value)!r})" if isinstance(value, set) else repr(value)


@pytest.mark.parametrize("value", VALUES, ids=value_id)
def test_values_round_trip(pdict: PersiDict, value: object) -> None:
    pdict["k"] = value
    back = pdict["k"]
    assert back == value
    assert type(back) is type(value)


def test_set_get_overwrite(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["a"] = 2
    assert pdict["a"] == 2
    assert len(pdict) == 1


def test_key_forms_are_interchangeable(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["x", "y"] = 2
    assert pdict[("a",)] == pdict[["a"]] == pdict[SafeStrTuple("a")] == 1
    assert pdict[["x", ("y",)]] == pdict[SafeStrTuple("x", "y")] == 2
    assert ("x", "y") in pdict
    assert ["x", "y"] in pdict
    assert "x" not in pdict
    assert ("x", "y", "z") not in pdict
    assert set(pdict) == {SafeStrTuple("a"), SafeStrTuple("x", "y")}


def test_iteration_yields_safe_str_tuples(pdict: PersiDict) -> None:
    pdict["a", "b", "c"] = 1
    (key,) = list(pdict)
    assert type(key) is SafeStrTuple
    assert key == ("a", "b", "c")


def test_a_key_can_be_both_an_item_and_a_prefix(pdict: PersiDict) -> None:
    pdict["a"] = "leaf"
    pdict["a", "b"] = "deeper"
    pdict["a", "b", "c"] = "deepest"
    assert as_dict(pdict) == {("a",): "leaf", ("a", "b"): "deeper", ("a", "b", "c"): "deepest"}
    del pdict["a", "b"]
    assert as_dict(pdict) == {("a",): "leaf", ("a", "b", "c"): "deepest"}


def test_keys_differing_only_in_case_are_distinct(pdict: PersiDict) -> None:
    pdict["Case"] = "upper"
    pdict["case"] = "lower"
    pdict["CASE", "x"] = "nested"
    assert (pdict["Case"], pdict["case"], pdict["CASE", "x"]) == ("upper", "lower", "nested")
    assert len(pdict) == 3


def test_odd_but_safe_keys(pdict: PersiDict) -> None:
    odd = ["...", ".hidden", "a.b.c", "x=1", "(1)", "~", "-", "_", "a_b", "A" * 200]
    for i, component in enumerate(odd):
        pdict[component] = i
        pdict[component, component] = -i
    assert len(pdict) == 2 * len(odd)
    for i, component in enumerate(odd):
        assert (pdict[component], pdict[component, component]) == (i, -i)


def test_get(pdict: PersiDict) -> None:
    pdict["a"] = None
    assert pdict.get("a", 5) is None
    assert pdict.get("b", 5) == 5
    assert pdict.get(("a",)) is None


def test_setdefault(pdict: PersiDict) -> None:
    assert pdict.setdefault("a", [1]) == [1]
    assert pdict["a"] == [1]
    assert pdict.setdefault("a", [2]) == [1]
    assert pdict["a"] == [1]
    assert pdict.setdefault("n") is None
    assert "n" in pdict
    assert pdict["n"] is None


def test_pop(pdict: PersiDict) -> None:
    pdict["a"] = {"v": 1}
    assert pdict.pop("a") == {"v": 1}
    assert "a" not in pdict
    assert pdict.pop("a", "dflt") == "dflt"
    assert pdict.pop("a", None) is None
    with pytest.raises(KeyError):
        pdict.pop("a")


def test_popitem_drains_the_dict(pdict: PersiDict) -> None:
    expected = {("a",): 1, ("b", "c"): 2, ("d",): 3}
    pdict.update(expected)
    seen = {}
    while pdict:
        key, value = pdict.popitem()
        assert type(key) is SafeStrTuple
        assert key not in pdict
        seen[key.strings] = value
    assert seen == expected
    with pytest.raises(KeyError):
        pdict.popitem()


def test_delitem(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b"] = 2
    del pdict["a"]
    assert list(pdict) == ["b"]
    with pytest.raises(KeyError):
        del pdict["a"]


def test_delete_if_exists(pdict: PersiDict) -> None:
    pdict["a"] = 1
    assert pdict.delete_if_exists("a") is True
    assert pdict.delete_if_exists("a") is False
    assert pdict.delete_if_exists(("no", "such")) is False
    assert len(pdict) == 0


def test_update_call_forms(pdict: PersiDict, make_dict: Callable[..., PersiDict]) -> None:
    pdict.update({"a": 1, ("b", "c"): 2})
    pdict.update([("d", 3), (["e", "f"], 4)])
    pdict.update(g=5, h=6)
    pdict.update({"i": 7}, j=8)
    pdict.update(pair for pair in [("k", 9)])
    pdict.update()

    class KeysOnly:  # the dict.update protocol for objects with keys() and []
        def keys(self) -> list[str]:
            return ["l"]

        def __getitem__(self, key: str) -> int:
            return 10

    pdict.update(KeysOnly())
    other = make_dict("other", file_type=pdict.file_type)
    other["m"] = 11
    pdict.update(other)
    assert as_dict(pdict) == {("a",): 1, ("b", "c"): 2, ("d",): 3, ("e", "f"): 4, ("g",): 5,
                              ("h",): 6, ("i",): 7, ("j",): 8, ("k",): 9, ("l",): 10,
                              ("m",): 11}


def test_update_kwargs_win_over_positional(pdict: PersiDict) -> None:
    pdict.update({"a": 1}, a=2)
    assert pdict["a"] == 2


def test_update_rejects_non_pairs(pdict: PersiDict) -> None:
    with pytest.raises((TypeError, ValueError)):
        pdict.update([("a", 1, 2)])
    with pytest.raises(TypeError):
        pdict.update(5)
    assert len(pdict) == 0


def test_ior(pdict: PersiDict, make_dict: Callable[..., PersiDict]) -> None:
    before = pdict
    pdict |= {"a": 1}
    assert pdict is before
    other = make_dict("other", file_type=pdict.file_type)
    other["b"] = 2
    pdict |= other
    pdict |= [("c", 3)]
    assert as_dict(pdict) == {("a",): 1, ("b",): 2, ("c",): 3}


def test_eq_against_dicts(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b", "c"] = [2]
    assert pdict == {"a": 1, ("b", "c"): [2]}
    assert pdict == {SafeStrTuple("a"): 1, SafeStrTuple("b", "c"): [2]}
    assert {"a": 1, ("b", "c"): [2]} == pdict  # noqa: SIM300 - reflected comparison
    assert pdict != {"a": 1}
    assert pdict != {"a": 1, ("b", "c"): [3]}
    assert pdict != {"a": 1, ("b", "c"): [2], "d": 0}
    assert pdict != {"a": 1, "b/c": [2]}  # a key no PersiDict can hold
    assert pdict != {"a": 1, 5: [2]}
    assert pdict != 5
    assert pdict != [("a", 1)]


def test_eq_against_other_persidicts(pdict: PersiDict,
                                     make_dict: Callable[..., PersiDict]) -> None:
    other = make_dict("other", file_type=pdict.file_type)
    assert pdict == other
    pdict["a"] = 1
    assert pdict != other
    other["a"] = 1
    assert pdict == other
    other["a"] = 2
    assert pdict != other
    same_place = make_dict(file_type=pdict.file_type)
    assert same_place == pdict
    assert dict(same_place.items()) == dict(pdict.items()) == {"a": 1}


def test_persidict_is_not_hashable(pdict: PersiDict) -> None:
    with pytest.raises(TypeError):
        hash(pdict)


def test_clear(pdict: PersiDict) -> None:
    pdict.update({"a": 1, ("b", "c"): 2, ("b", "d", "e"): 3})
    pdict.clear()
    assert len(pdict) == 0
    assert list(pdict) == []
    pdict["a"] = 4  # still usable
    assert as_dict(pdict) == {("a",): 4}


def test_len_and_bool(pdict: PersiDict) -> None:
    assert not pdict
    for i in range(25):
        pdict["k", str(i % 5), str(i)] = i
    assert pdict
    assert len(pdict) == 25


def test_views(pdict: PersiDict) -> None:
    pdict.update({"a": 1, ("b", "c"): 2})
    keys, values, items = pdict.keys(), pdict.values(), pdict.items()
    assert len(keys) == len(values) == len(items) == 2
    assert keys == {SafeStrTuple("a"), SafeStrTuple("b", "c")}
    assert ("b", "c") in keys
    assert "z" not in keys
    assert sorted(values) == [1, 2]
    assert 2 in values
    assert (SafeStrTuple("a"), 1) in items
    assert (("b", "c"), 2) in items
    assert (("b", "c"), 3) not in items
    assert {(k.strings, v) for k, v in items} == {(("a",), 1), (("b", "c"), 2)}
    pdict["z"] = 3  # views are live
    assert len(keys) == 3
    assert sorted(values) == [1, 2, 3]


def test_deleting_while_iterating_items_is_safe(pdict: PersiDict) -> None:
    written = {str(i): i for i in range(10)}
    pdict.update(written)
    seen = 0
    for key, value in pdict.items():  # a key may be read before or after its deletion
        seen += 1
        assert written[key[0]] == value
        for other in written:
            if other != key[0]:
                pdict.delete_if_exists(other)
    assert seen >= 1
    assert len(pdict) <= 1  # 0 where values were read ahead (S3) and deleted later


def test_random_key(pdict: PersiDict) -> None:
    assert pdict.random_key() is None
    keys = {SafeStrTuple("a"), SafeStrTuple("b", "c"), SafeStrTuple("d", "e", "f")}
    pdict.update(dict.fromkeys(keys, 0))
    drawn = [pdict.random_key() for _ in range(60)]
    assert set(drawn) == keys  # every key reachable: P(miss) < 3 * (2/3)**60
    assert all(type(k) is SafeStrTuple for k in drawn)


def test_get_many_and_set_many(pdict: PersiDict) -> None:
    pdict.set_many({"a": 1, ("b", "c"): 2})
    pdict.set_many([("d", 3)])
    assert pdict.get_many(["d", ("b", "c"), "a", "a"]) == [3, 2, 1, 1]
    assert pdict.get_many([]) == []
    with pytest.raises(KeyError):
        pdict.get_many(["a", "missing"])


def test_a_value_of_several_megabytes_round_trips(pdict: PersiDict) -> None:
    # Large bodies take other paths: chunked file reads, S3's "Expect: 100-continue".
    value = "".join(chr(65 + i % 26) for i in range(3 << 20))
    pdict["big"] = value
    pdict["small"] = 1
    assert pdict["big"] == value
    assert dict(pdict.items()) == {"big": value, "small": 1}


def spy_on_listings(d: PersiDict, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every listing the store of ``d`` is asked for (not the listings one
    listing method makes through another)."""
    listed: list[str] = []
    depth = [0]
    store = d.store
    def spying(method: str) -> Callable[..., Iterator[Any]]:
        real = getattr(store, method)

        def spy(*args: Any, **kwargs: Any) -> Iterator[Any]:
            if not depth[0]:
                listed.append(method)
            depth[0] += 1
            try:
                yield from real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return spy

    for method in ("names", "names_by_folder", "infos", "mtimes_by_folder"):
        monkeypatch.setattr(store, method, spying(method))
    return listed


IDIOMS: list[Callable[[PersiDict], Any]] = [
    list, sorted, tuple, set, lambda d: list(d.keys()), lambda d: sorted(d.keys()),
    lambda d: list(d.values()), lambda d: list(d.items()), lambda d: tuple(d.items()),
    lambda d: list(PersiDictWrapper(d)), lambda d: list(PersiDictWrapper(d).values())]


@pytest.mark.parametrize("idiom", IDIOMS)
def test_list_idioms_list_the_store_once(make_dict: Callable[..., PersiDict],
                                         monkeypatch: pytest.MonkeyPatch,
                                         idiom: Callable[[PersiDict], Any]) -> None:
    d = make_dict()
    d.update({"a": 1, ("b", "c"): 2, ("b", "d"): 3})
    listed = spy_on_listings(d, monkeypatch)
    assert len(idiom(d)) == 3
    assert listed == ["names_by_folder"]
    listed.clear()
    assert len(idiom(d.get_subdict("b"))) == 2
    assert listed == []  # a subdict has a store of its own: the spy does not see it


def test_no_listing_outlives_the_call_that_made_it(make_dict: Callable[..., PersiDict]) -> None:
    d, other = make_dict(), make_dict()
    d["a"] = 1
    n = len(d)
    other["b"] = 2
    assert n == 1
    assert sorted(d) == ["a", "b"]
    it = iter(d)
    assert len(d) == 2  # a separate call: the iterator made above does not take its listing
    other["c"] = 3
    assert sorted(it) == ["a", "b", "c"]
    keys = d.keys()
    assert len(keys) == 3
    del other["a"]
    assert sorted(keys) == ["b", "c"]
    assert len(list(d.values())) == 2


def test_len_holds_no_listing_afterwards(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d.set_many({("k", f"key-number-{i}"): i for i in range(1000)})
    assert len(d) == 1000
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(3):  # listings that keep nothing, to compare with
            assert sum(1 for _ in d) == 1000
        before, _ = tracemalloc.get_traced_memory()
        assert len(d) == 1000
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 1000 * 30  # the names alone would take 1000 * 70 bytes
