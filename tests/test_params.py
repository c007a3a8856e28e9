"""Constructor parameters: get_params, base_url/base_dir, immutable_items,
base_class_for_values and text file_types, on every backend."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from persidict import DELETE_CURRENT, FileDirDict, LocalDict, PersiDict


@pytest.mark.parametrize("params", [
    {},
    {"file_type": "json", "digest_len": 0},
    {"file_type": "txt", "immutable_items": True, "base_class_for_values": str},
    {"digest_len": 3, "base_class_for_values": dict},
])
@pytest.mark.plain_dict  # inspects the dict's own parameters or internals
def test_get_params_round_trip(make_dict: Callable[..., PersiDict], params: dict) -> None:
    d = make_dict(**params)
    got = d.get_params()
    for name, value in params.items():
        assert got[name] == value
    twin = type(d)(**got)
    assert twin == d  # equal handles (their parameters decide that alone) ...
    assert twin.get_params() == got
    value = "v" if d.file_type == "txt" else {"v": 1}
    d["a", "b"] = value
    assert twin["a", "b"] == value  # ... of the same store, not a copy
    other = "w" if d.file_type == "txt" else {"w": 2}
    twin["c"] = other
    assert d["c"] == other
    assert dict(twin.items()) == dict(d.items()) == {("a", "b"): value, "c": other}


def test_parameters_are_readable(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="json", immutable_items=True, digest_len=5,
                  base_class_for_values=list)
    assert (d.file_type, d.immutable_items, d.digest_len) == ("json", True, 5)
    assert d.base_class_for_values is list


def test_defaults(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    assert (d.file_type, d.immutable_items, d.digest_len) == ("pkl", False, 8)
    assert d.base_class_for_values is None


def test_base_url_and_base_dir(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    assert isinstance(d.base_url, str)
    assert "://" in d.base_url
    assert make_dict().base_url == d.base_url
    assert make_dict("elsewhere").base_url != d.base_url
    assert d.base_dir is None or isinstance(d.base_dir, str)  # a folder, or a cache of one


def test_file_dir_dict_base_dir(tmp_path: os.PathLike) -> None:
    d = FileDirDict(os.path.join(tmp_path, "x", "..", "store"))
    assert d.base_dir == os.path.join(os.path.abspath(tmp_path), "store")
    assert os.path.isdir(d.base_dir)
    assert d.base_url == "file://" + d.base_dir
    assert FileDirDict(tmp_path / "store") == d
    d["k"] = 1
    assert dict(FileDirDict(tmp_path / "store").items()) == {"k": 1}


def test_file_dir_dict_positional_order(tmp_path: os.PathLike) -> None:
    d = FileDirDict(tmp_path, "json", True, 4, dict)
    assert (d.file_type, d.immutable_items, d.digest_len) == ("json", True, 4)
    assert d.base_class_for_values is dict
    assert LocalDict("json", True, 4, dict).get_params()["digest_len"] == 4


def test_repr_names_the_class_and_place(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="json")
    assert repr(d).startswith(type(d).__name__ + "(")
    assert "json" in repr(d)


# --- immutable_items


def test_write_once_refuses_every_change(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    d["b", "c"] = 2
    attempts = [
        lambda: d.__setitem__("a", 1),
        lambda: d.__setitem__("a", 3),
        lambda: d.__delitem__("a"),
        lambda: d.pop("a"),
        lambda: d.pop("missing", None),
        lambda: d.popitem(),
        lambda: d.clear(),
        lambda: d.delete_if_exists("a"),
        lambda: d.update({"a": 5}),
        lambda: d.get_subdict("b").__setitem__("c", 9),
    ]
    for attempt in attempts:
        with pytest.raises(KeyError):
            attempt()
    assert {k.strings: v for k, v in d.items()} == {("a",): 1, ("b", "c"): 2}


def test_write_once_bulk_write_with_a_delete_writes_nothing(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    with pytest.raises(KeyError):
        d.set_many([("a", 1), ("b", DELETE_CURRENT)])
    assert len(d) == 0


def test_write_once_allows_new_keys(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    d.update({"b": 2})
    assert d.setdefault("a", 9) == 1
    assert d.setdefault("c", 3) == 3
    assert {k.strings: v for k, v in d.items()} == {("a",): 1, ("b",): 2, ("c",): 3}


def test_write_once_error_says_why(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(immutable_items=True)
    d["a"] = 1
    with pytest.raises(KeyError, match="immutable_items"):
        d["a"] = 2


# --- base_class_for_values


def test_base_class_for_values(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(base_class_for_values=int)
    d["a"] = 1
    d["b"] = True  # a subclass is an instance
    for bad in ("1", 1.0, None, [1]):
        with pytest.raises(TypeError, match="int"):
            d["c"] = bad
        with pytest.raises(TypeError):
            d.setdefault("c", bad)
        with pytest.raises(TypeError):
            d["a"] = bad
    assert "c" not in d
    assert d["a"] == 1


def test_bulk_writes_check_every_value_first(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(base_class_for_values=str)
    with pytest.raises(TypeError):
        d.update({"a": "ok", "b": 2, "c": "ok"})
    with pytest.raises(TypeError):
        d.set_many([("a", "ok"), ("b", b"no")])
    assert len(d) == 0


def test_base_class_must_fit_the_text_format(make_dict: Callable[..., PersiDict]) -> None:
    with pytest.raises(ValueError, match="str"):
        make_dict(file_type="txt", base_class_for_values=int)
    assert make_dict(file_type="txt", base_class_for_values=str).base_class_for_values is str


# --- text file types


@pytest.mark.parametrize("file_type", ["txt", "md", "csv"])
def test_text_file_type_stores_strings(make_dict: Callable[..., PersiDict],
                                       file_type: str) -> None:
    d = make_dict(file_type=file_type)
    d["a"] = "plain\nlines ünï\n"
    d["b", "c"] = ""
    assert d["a"] == "plain\nlines ünï\n"
    assert d["b", "c"] == ""
    for bad in (1, b"bytes", None, ["x"]):
        with pytest.raises(TypeError, match="str"):
            d["z"] = bad
    assert "z" not in d
    assert len(d) == 2


def test_file_types_in_one_place_do_not_see_each_other(
        make_dict: Callable[..., PersiDict]) -> None:
    pkl, txt = make_dict(file_type="pkl"), make_dict(file_type="txt")
    pkl["a"] = 1
    txt["a"] = "one"
    txt["b"] = "two"
    assert (pkl["a"], txt["a"]) == (1, "one")
    assert (len(pkl), len(txt)) == (1, 2)
    txt.clear()
    assert pkl["a"] == 1
