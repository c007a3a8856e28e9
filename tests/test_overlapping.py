"""OverlappingMultiDict: one dict per file_type over the same place."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from persidict import FileDirDict, LocalDict, OverlappingMultiDict, PersiDict
from persidict.stores import ZipStore

pytestmark = pytest.mark.plain_dict  # builds dicts of the fixture's own class


@pytest.fixture
def multi(make_dict: Callable[..., PersiDict]) -> OverlappingMultiDict:
    """An OverlappingMultiDict over the current backend's 'main' place."""
    shared = make_dict().get_params()
    shared.pop("file_type")
    return OverlappingMultiDict(type(make_dict()), shared, json={}, pkl={},
                                txt={"base_class_for_values": str})


def test_each_file_type_is_an_attribute(multi: OverlappingMultiDict) -> None:
    for file_type in ("json", "pkl", "txt"):
        d = getattr(multi, file_type)
        assert isinstance(d, PersiDict)
        assert d.file_type == file_type
    assert multi.txt.base_class_for_values is str
    assert multi.json.base_class_for_values is None


def test_same_key_different_values_per_file_type(multi: OverlappingMultiDict) -> None:
    multi.json["a"] = {"j": 1}
    multi.pkl["a"] = {"p"}
    multi.txt["a"] = "text"
    assert (multi.json["a"], multi.pkl["a"], multi.txt["a"]) == ({"j": 1}, {"p"}, "text")
    assert (len(multi.json), len(multi.pkl), len(multi.txt)) == (1, 1, 1)


def test_clear_on_one_leaves_the_others(multi: OverlappingMultiDict) -> None:
    for d in (multi.json, multi.pkl):
        d.update({"a": 1, ("b", "c"): 2})
    multi.txt.update({"a": "x", ("b", "d"): "y"})
    multi.json.clear()
    assert len(multi.json) == 0
    assert {k.strings: v for k, v in multi.pkl.items()} == {("a",): 1, ("b", "c"): 2}
    assert {k.strings: v for k, v in multi.txt.items()} == {("a",): "x", ("b", "d"): "y"}


def test_per_file_type_checks_apply(multi: OverlappingMultiDict) -> None:
    with pytest.raises(TypeError):
        multi.txt["a"] = 5
    multi.pkl["a"] = 5
    assert "a" not in multi.txt


def test_the_container_refuses_item_access(multi: OverlappingMultiDict) -> None:
    with pytest.raises(TypeError, match="not a mapping"):
        multi["a"]
    with pytest.raises(TypeError, match="not a mapping"):
        multi["a"] = 1
    with pytest.raises(TypeError, match="not a mapping"):
        del multi["a"]


def test_get_params_round_trip(multi: OverlappingMultiDict) -> None:
    params = multi.get_params()
    assert set(params) == {"dict_type", "shared_subdicts_params", "json", "pkl", "txt"}
    twin = OverlappingMultiDict(**params)
    multi.json["k"] = [1]
    assert twin.json["k"] == [1]
    assert twin.txt == multi.txt
    twin.txt["note"] = "from the twin"
    assert dict(multi.txt.items()) == dict(twin.txt.items()) == {"note": "from the twin"}


def test_seed_style_construction(tmp_path: Path) -> None:
    m = OverlappingMultiDict(FileDirDict, shared_subdicts_params={"base_dir": tmp_path},
                             json={}, txt={"base_class_for_values": str})
    m.json["cfg"] = {"retries": 3}
    m.txt["cfg"] = "retries: 3"
    assert FileDirDict(tmp_path, file_type="json")["cfg"] == {"retries": 3}
    assert FileDirDict(tmp_path, file_type="txt")["cfg"] == "retries: 3"


@pytest.mark.parametrize(("args", "kwargs", "error"), [
    ((dict, {}), {"json": {}}, TypeError),
    ((LocalDict, [("a", 1)]), {"json": {}}, TypeError),
    ((LocalDict, {}), {}, ValueError),
    ((LocalDict, {}), {"json": 5}, TypeError),
    ((LocalDict, {}), {"json": {"file_type": "pkl"}}, ValueError),
    ((LocalDict, {}), {"get_params": {}}, ValueError),
    ((LocalDict, {}), {"bad.type": {}}, ValueError),
])
def test_bad_construction(args: tuple[Any, ...], kwargs: dict[str, Any],
                          error: type[Exception]) -> None:
    with pytest.raises(error):
        OverlappingMultiDict(*args, **kwargs)


def test_dicts_share_one_store_when_none_is_given(make_dict: Callable[..., PersiDict]) -> None:
    shared = make_dict().get_params()
    shared.pop("file_type")
    if isinstance(make_dict(), LocalDict):  # each would otherwise make its own store
        shared.pop("store")
    m = OverlappingMultiDict(type(make_dict()), shared, json={}, txt={})
    m.json["a"] = {"n": 1}
    m.txt["a"] = "notes"
    assert sorted(name.rsplit(".", 1)[1] for name in m.json.store.names()) == ["json", "txt"]
    twin = OverlappingMultiDict(**m.get_params())
    assert (twin.json["a"], twin.txt["a"]) == ({"n": 1}, "notes")


def test_get_params_gives_copies(multi: OverlappingMultiDict) -> None:
    params = multi.get_params()
    params["shared_subdicts_params"]["digest_len"] = 0
    params["txt"]["base_class_for_values"] = int
    params["json"]["immutable_items"] = True
    again = multi.get_params()
    assert again["shared_subdicts_params"]["digest_len"] == 8
    assert again["txt"] == {"base_class_for_values": str}
    assert again["json"] == {}
    twin = OverlappingMultiDict(**again)
    twin.txt["a"] = "still text"
    assert multi.txt["a"] == "still text"


def test_pickles_as_parameters(multi: OverlappingMultiDict) -> None:
    if isinstance(multi.json, LocalDict) or isinstance(multi.json.store, ZipStore):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(multi)
        return
    twin = pickle.loads(pickle.dumps(multi))
    multi.txt["k"] = "text"
    assert twin.txt["k"] == "text"
