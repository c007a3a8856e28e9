"""Code written for the earlier releases (0.36, 0.309) keeps working: key equality in
sets and dicts, the shapes and names of their API, and generics for type checkers."""

from __future__ import annotations

from persidict import PersiDict

# --- keys of a dict in sets and dicts (a one-part key is its str, a longer one its tuple)


def test_keys_view_equals_the_set_of_str_and_tuples(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b", "c"] = 2
    assert pdict.keys() == {"a", ("b", "c")}
    assert "a" in set(pdict)
    assert ("b", "c") in set(pdict)
    items = dict(pdict.items())
    assert items["a"] == 1
    assert items["b", "c"] == 2
    assert set(pdict) - {"a"} == {("b", "c")}


def test_one_part_key_of_a_dict_is_not_the_one_tuple(pdict: PersiDict) -> None:
    pdict["a"] = 1
    (key,) = list(pdict)
    assert key == "a"
    assert key != ("a",)
    assert key.strings == ("a",)
    assert pdict["a"] == pdict[("a",)] == pdict[key] == 1  # any form still finds the item
