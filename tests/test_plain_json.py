"""The plain-JSON format (``file_type="plain_json"``) on every backend: JSON's own types
in ``.json`` files, refused otherwise; reads that never import or call anything, shown
with jsonpickle payloads that make the ``json`` format run a command."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from persidict import CorruptValueError, PersiDict

VALUE = {"name": "ünï", "retries": 3, "ratio": 0.5, "on": True, "none": None,
         "hosts": ["a", {"port": 80, "tags": []}], "nested": {"py/object": "only data"}}


def payloads(marker: Path) -> dict[str, Any]:
    """jsonpickle texts that run something when the ``json`` format reads them, and a
    check that it ran."""
    return {
        "os.system": {"py/reduce": [{"py/function": "os.system"},
                                    {"py/tuple": [f"touch {marker}-system"]}]},
        "subprocess": {"py/reduce": [{"py/type": "subprocess.Popen"},
                                     {"py/tuple": [["touch", f"{marker}-popen"]]}]},
        "nested mkdir": {"config": {"py/reduce": [{"py/function": "os.mkdir"},
                                                  {"py/tuple": [f"{marker}-mkdir"]}]}},
    }


def ran(marker: Path) -> list[str]:
    return sorted(p.name for p in marker.parent.glob(marker.name + "-*"))


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_plain_json_round_trips_in_json_files(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="plain_json")
    d["cfg", "service"] = VALUE
    d["n"] = 1
    d["s"] = "text"
    assert d["cfg", "service"] == VALUE
    assert d["n"] == 1
    assert d["s"] == "text"
    names = list(d.store.names())
    assert len(names) == 3
    assert all(name.endswith(".json") for name in names)
    name = d._name_of(("cfg", "service"))
    assert json.loads(d.store.read(name)) == VALUE  # any JSON tool reads it
    assert d.file_type == "plain_json"
    assert type(d)(**d.get_params()) == d


def test_plain_json_shares_files_with_jsonpickle_format(
        make_dict: Callable[..., PersiDict]) -> None:
    plain, pickled = make_dict(file_type="plain_json"), make_dict(file_type="json")
    plain["a"] = {"x": [1, 2]}
    pickled["b"] = ["y", 3.5, None]
    assert pickled["a"] == {"x": [1, 2]}
    assert plain["b"] == ["y", 3.5, None]
    assert sorted(plain) == sorted(pickled) == ["a", "b"]


@pytest.mark.parametrize(("bad", "error", "where"), [
    ({1, 2}, TypeError, "value is a set"),
    (b"bytes", TypeError, "value is a bytes"),
    (object(), TypeError, "value is a object"),
    ((1, 2), TypeError, "value is a tuple"),
    (OrderedDict(a=1), TypeError, "value is a OrderedDict"),
    ({"a": [1, {2}]}, TypeError, r"value\['a'\]\[1\] is a set"),
    ({1: "x"}, TypeError, "has the key 1"),
    ([float("nan")], ValueError, r"value\[0\] is nan"),
    ({"x": float("inf")}, ValueError, "is inf"),
])
def test_non_json_values_are_refused_and_nothing_written(
        make_dict: Callable[..., PersiDict], bad: Any, error: type, where: str) -> None:
    d = make_dict(file_type="plain_json")
    d["k"] = "before"
    with pytest.raises(error, match=where):
        d["k"] = bad
    with pytest.raises(error, match=where):
        d.set_many({"fine": 1, "bad": bad})
    with pytest.raises(error, match=where):
        d.add("new", bad)
    assert d["k"] == "before"
    assert len(d) == 1


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_jsonpickle_payloads_run_under_json_but_are_data_under_plain_json(
        make_dict: Callable[..., PersiDict], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    plain = make_dict(file_type="plain_json")
    pickled = make_dict(file_type="json")
    crafted = payloads(marker)
    for key, payload in crafted.items():
        plain.store.write(plain._name_of(key.replace(" ", "_")), json.dumps(payload).encode())
    for key, payload in crafted.items():
        assert plain[key.replace(" ", "_")] == payload  # plain data, returned as is
    assert sorted(plain.values(), key=str) == sorted(crafted.values(), key=str)
    assert ran(marker) == []  # nothing ran
    for key in crafted:
        result = pickled[key.replace(" ", "_")]  # the control: jsonpickle runs each
        if hasattr(result, "wait"):
            result.wait()  # the Popen it started
    assert ran(marker) == ["ran-mkdir", "ran-popen", "ran-system"]


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_corrupt_json_is_refused(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="plain_json")
    for name, data in [("empty", b""), ("cut", b'{"a": [1, '), ("binary", b"\xff\xfe")]:
        d.store.write(d._name_of(name), data)
        with pytest.raises(CorruptValueError, match="not valid JSON"):
            d[name]


def test_plain_json_with_signing(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="plain_json", signing_key=b"s" * 32)
    d["k"] = {"a": 1}
    assert d["k"] == {"a": 1}
