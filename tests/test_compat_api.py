"""Code written for the earlier releases (0.36, 0.309) keeps working: key equality in
sets and dicts, the shapes and names of their API, and generics for type checkers."""

from __future__ import annotations

import typing
from importlib import metadata

import pytest

import persidict
from persidict import (
    DELETE_CURRENT,
    KEEP_CURRENT,
    PersiDict,
    SafeStrTuple,
)

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


# --- the earlier releases' shapes


def test_items_and_timestamps_yields_triples(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b", "c"] = 2
    seen = {}
    for key, value, stamp in pdict.items_and_timestamps():
        assert type(key) is SafeStrTuple
        assert stamp == pdict.timestamp(key)
        seen[key] = value
    assert seen == {"a": 1, ("b", "c"): 2}
    assert sorted(pdict.values_and_timestamps()) == sorted(
        (pdict[k], pdict.timestamp(k)) for k in pdict)


def test_str_shows_the_items_and_repr_the_parameters(pdict: PersiDict) -> None:
    pdict["a"] = 1
    assert str(pdict) == str(dict(pdict.items())) == "{SafeStrTuple('a'): 1}"
    assert repr(pdict).startswith(type(pdict).__name__ + "(")
    assert f"file_type={pdict.file_type!r}" in repr(pdict)
    assert "SafeStrTuple('a')" not in repr(pdict)


def test_key_type_aliases_are_exported() -> None:
    from persidict import NonEmptyPersiDictKey, PersiDictKey
    from persidict.persi_dict import NonEmptyPersiDictKey as Inner
    from persidict.persi_dict import PersiDictKey as InnerKey

    assert (InnerKey, Inner) == (PersiDictKey, NonEmptyPersiDictKey)
    for alias in (PersiDictKey, NonEmptyPersiDictKey):
        assert {SafeStrTuple, str} <= set(typing.get_args(alias))
    assert {"PersiDictKey", "NonEmptyPersiDictKey", "__version__"} <= set(persidict.__all__)


def test_joker_aliases_are_the_singletons(pdict: PersiDict) -> None:
    from persidict.jokers import DeleteCurrent, DeleteCurrentFlag, KeepCurrent, KeepCurrentFlag

    assert KeepCurrent is KeepCurrentFlag() is KEEP_CURRENT
    assert DeleteCurrent is DeleteCurrentFlag() is DELETE_CURRENT
    pdict["a"] = 1
    pdict["a"] = KeepCurrent
    assert pdict["a"] == 1
    pdict["a"] = DeleteCurrent
    assert "a" not in pdict


def test_version_comes_from_the_installed_metadata() -> None:
    from persidict._version import _read_version

    assert persidict.__version__ == metadata.version("persidict")
    assert _read_version("persidict-no-such-distribution") == "0+unknown"


def test_public_safe_chars_set_is_a_set_that_changes_nothing() -> None:
    from persidict import safe_chars

    public = safe_chars.SAFE_CHARS_SET
    assert type(public) is set
    saved = set(public)
    try:
        public.add("/")
        public.discard("a")
        with pytest.raises(ValueError, match="unsafe"):
            SafeStrTuple("a/b")
        assert SafeStrTuple("a") == "a"
        assert safe_chars.replace_unsafe_chars("a/b", "_") == "a_b"
        assert "/" not in safe_chars.get_safe_chars()
        assert "a" in safe_chars.get_safe_chars()
    finally:
        public.clear()
        public.update(saved)

