"""Bad input gets a clear exception and changes nothing (DESIGN.md §6)."""

from __future__ import annotations

import os
import string
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from persidict import CorruptValueError, FileDirDict, LocalDict, PersiDict, SafeStrTuple
from persidict.stores import FileStore

BAD_CONTENT = ["", (), [], ".", "..", ("a", ".."), ("..", "etc"), "../x", "a/b", "/abs",
               "a b", "a\\b", "ü", "a\x00", "a#b", "x" * 254, ("a", "")]
BAD_TYPE = [None, 5, 2.5, b"abc", bytearray(b"a"), {"a": 1}, ("a", 1), ["a", None],
            ("a", b"b"), ("a", {"b": 1}), object()]
BAD_KEYS = [(k, ValueError) for k in BAD_CONTENT] + [(k, TypeError) for k in BAD_TYPE]

OPERATIONS: dict[str, Callable[[PersiDict, Any], Any]] = {
    "getitem": lambda d, k: d[k],
    "get": lambda d, k: d.get(k, "default"),
    "setitem": lambda d, k: d.__setitem__(k, "v"),
    "contains": lambda d, k: k in d,
    "delitem": lambda d, k: d.__delitem__(k),
    "pop": lambda d, k: d.pop(k, "default"),
    "setdefault": lambda d, k: d.setdefault(k, "v"),
    "update": lambda d, k: d.update([("fine", "v"), (k, "v")]),
    "add_many": lambda d, k: d.add_many([("fine", "v"), (k, "v")]),
    "get_many": lambda d, k: d.get_many([("fine",), k]),
    "get_subdict": lambda d, k: d.get_subdict(k),
    "timestamp": lambda d, k: d.timestamp(k),
    "delete_if_exists": lambda d, k: d.delete_if_exists(k),
}


def snapshot(d: PersiDict, root: Path) -> tuple[list[str], list[str]]:
    """Every file below ``root`` (the folder of every place the test made) and every
    name in the dict's store."""
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    return files, sorted(d.store.names())


def test_bad_keys_are_refused_by_every_operation(make_dict: Callable[..., PersiDict],
                                                 tmp_path: Path) -> None:
    d = make_dict(file_type="json")
    d["existing", "item"] = "kept"
    before = snapshot(d, tmp_path)
    for key, error in BAD_KEYS:
        for name, operation in OPERATIONS.items():
            try:
                operation(d, key)
            except error:
                pass
            else:
                pytest.fail(f"{name} accepted {key!r}")
        assert snapshot(d, tmp_path) == before, key
    assert dict(d.items()) == {("existing", "item"): "kept"}


def test_bad_keys_in_bulk_writes_write_nothing(make_dict: Callable[..., PersiDict],
                                               tmp_path: Path) -> None:
    d = make_dict()
    before = snapshot(d, tmp_path)
    with pytest.raises(ValueError, match="unsafe"):
        d.update({"a": 1, "b/c": 2})
    with pytest.raises(TypeError):
        d.set_many([("a", 1), (None, 2)])
    with pytest.raises(ValueError, match="not allowed"):
        d |= {"a": 1, "..": 2}
    assert snapshot(d, tmp_path) == before


def test_component_too_long_for_a_file_name(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path / "d")
    before = sorted(tmp_path.rglob("*"))
    key = ("ok", "x" * 250)  # a valid key, but with its suffix longer than NAME_MAX
    with pytest.raises(ValueError, match="long"):
        d[key] = 1
    with pytest.raises(ValueError, match="long"):
        d.setdefault(key, 1)
    assert sorted(tmp_path.rglob("*")) == before
    mem = LocalDict()
    mem[key] = 1  # memory has no file-name limit
    assert mem[key] == 1


# Components drawn near the edge of the alphabet: path syntax, dots, NUL, non-ASCII.
_NEAR_SAFE = string.ascii_letters[:6] + string.digits[:3] + "()_-~.=" + "/\\:# \x00ü*"
_components = st.one_of(
    st.sampled_from([".", "..", "...", ".a", "a.", "~", "-", "=", "_", "..a", "a..b"]),
    st.text(alphabet=_NEAR_SAFE, max_size=8),
)
_keys = st.one_of(_components, st.lists(_components, max_size=4).map(tuple))


def _files_below(root: str) -> set[str]:
    return {os.path.join(folder, f) for folder, _, files in os.walk(root) for f in files}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=_keys, digest_len=st.sampled_from([0, 4]))
def test_no_accepted_key_maps_outside_base_dir(key: Any, digest_len: int) -> None:
    with tempfile.TemporaryDirectory() as root:
        base = os.path.join(root, "outer", "base")
        d = FileDirDict(base, digest_len=digest_len)
        try:
            d[key] = "v"
        except (TypeError, ValueError):
            event("refused")
            assert _files_below(root) == set()
            return
        event("accepted")
        written = _files_below(root)
        for path in written:
            assert os.path.realpath(path).startswith(os.path.realpath(base) + os.sep)
        values = [p for p in written if "#" not in os.path.basename(p)]
        assert len(values) == 1
        assert list(d) == [SafeStrTuple(key)]
        assert d[key] == "v"


# --- values


def test_wrong_value_type_writes_nothing(make_dict: Callable[..., PersiDict],
                                         tmp_path: Path) -> None:
    d = make_dict(base_class_for_values=dict)
    d["a"] = {"kept": 1}
    before = snapshot(d, tmp_path)
    for operation in (lambda: d.__setitem__("a", [1]), lambda: d.__setitem__("b", "x"),
                      lambda: d.setdefault("b", 5), lambda: d.update({"c": {}, "d": 1})):
        with pytest.raises(TypeError, match="dict"):
            operation()
    assert snapshot(d, tmp_path) == before
    assert d["a"] == {"kept": 1}


@pytest.mark.parametrize("value", [5, b"bytes", None, ["list"], {"a": "b"}])
def test_text_file_type_refuses_non_str(make_dict: Callable[..., PersiDict], tmp_path: Path,
                                        value: Any) -> None:
    d = make_dict(file_type="txt")
    before = snapshot(d, tmp_path)
    with pytest.raises(TypeError, match="str"):
        d["a"] = value
    assert snapshot(d, tmp_path) == before


@pytest.mark.parametrize("value", [threading.Lock(), (x for x in [1]), lambda: 1])
def test_unpicklable_value_writes_nothing(make_dict: Callable[..., PersiDict], tmp_path: Path,
                                          value: Any) -> None:
    d = make_dict()
    d["a"] = 1
    before = snapshot(d, tmp_path)
    with pytest.raises(Exception):  # noqa: B017, PT011 - pickle's own error, whatever it is
        d["a"] = value
    assert snapshot(d, tmp_path) == before
    assert d["a"] == 1


# --- constructor arguments

BAD_PARAMS = [
    ({"file_type": 5}, TypeError), ({"file_type": None}, TypeError),
    ({"file_type": ""}, ValueError), ({"file_type": "a.b"}, ValueError),
    ({"file_type": "../x"}, ValueError), ({"file_type": "p k l"}, ValueError),
    ({"digest_len": -1}, ValueError), ({"digest_len": "8"}, TypeError),
    ({"digest_len": 1.5}, TypeError), ({"digest_len": None}, TypeError),
    ({"digest_len": True}, TypeError),
    ({"immutable_items": "yes"}, TypeError), ({"immutable_items": 1}, TypeError),
    ({"immutable_items": None}, TypeError),
    ({"base_class_for_values": 5}, TypeError), ({"base_class_for_values": "str"}, TypeError),
]


@pytest.mark.parametrize(("params", "error"), BAD_PARAMS, ids=repr)
def test_bad_constructor_arguments(make_dict: Callable[..., PersiDict], params: dict,
                                   error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(params))):
        make_dict(**params)


@pytest.mark.parametrize(("params", "error"), BAD_PARAMS, ids=repr)
def test_bad_constructor_arguments_create_no_folder(tmp_path: Path, params: dict,
                                                    error: type[Exception]) -> None:
    with pytest.raises(error):
        FileDirDict(tmp_path / "new", **params)
    assert not (tmp_path / "new").exists()


def test_base_dir_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_bytes(b"precious")
    with pytest.raises(ValueError, match="not a folder"):
        FileDirDict(a_file)
    with pytest.raises((ValueError, NotADirectoryError)):
        FileDirDict(a_file / "below")
    assert a_file.read_bytes() == b"precious"


@pytest.mark.parametrize("base_dir", [5, None, b"/tmp/x", ["a"]])
def test_base_dir_of_the_wrong_type(base_dir: Any) -> None:
    with pytest.raises(TypeError, match="base_dir"):
        FileDirDict(base_dir)


# --- corrupt and truncated values


def write_and_find(d: PersiDict, key: Any, value: Any) -> str:
    """Store ``key`` and return the store name it went to."""
    before = set(d.store.names())
    d[key] = value
    (name,) = set(d.store.names()) - before
    return name


def corrupt(d: PersiDict, name: str, transform: Callable[[bytes], bytes]) -> None:
    """Rewrite the stored bytes under ``name`` around the dict, through its store."""
    d.store.write(name, transform(d.store.read(name)))


CORRUPTIONS = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "garbage": lambda data: b"\x00\x01garbage\xff" * 3,
    "flipped": lambda data: data[:-12] + bytes(b ^ 0xFF for b in data[-12:-4]) + data[-4:],
}


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_corrupt_value_raises_and_other_keys_work(pdict: PersiDict, how: str) -> None:
    big = {"numbers": list(range(2000)), "text": "abc" * 500}
    name = write_and_find(pdict, "bad", big)
    pdict["good"] = big
    pdict["sub", "good"] = 1
    corrupt(pdict, name, CORRUPTIONS[how])
    with pytest.raises(CorruptValueError, match="bad") as info:
        pdict["bad"]
    assert isinstance(info.value, ValueError)
    with pytest.raises(CorruptValueError):
        pdict.get("bad")
    with pytest.raises(CorruptValueError):
        pdict.setdefault("bad", 1)
    with pytest.raises(CorruptValueError):
        pdict.pop("bad")
    assert "bad" in pdict  # a failed pop deleted nothing
    assert pdict["good"] == big
    assert pdict["sub", "good"] == 1
    assert len(pdict) == 3
    del pdict["bad"]  # the item can be removed, or overwritten, to repair it
    assert {k.strings: v for k, v in pdict.items()} == {("good",): big, ("sub", "good"): 1}


def test_corrupt_text_raises(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(file_type="txt")
    # cut inside a UTF-8 sequence
    corrupt(d, write_and_find(d, "t", "ünïcode"), lambda data: data[:1])
    with pytest.raises(CorruptValueError):
        d["t"]


def test_corrupt_file_on_disk(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path, digest_len=0)
    d["a"] = list(range(1000))
    d["b"] = 2
    path = tmp_path / "a.pkl"
    data = path.read_bytes()
    for cut in (0, 1, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(CorruptValueError, match="a"):
            d["a"]
        assert d["b"] == 2
    path.write_bytes(data)
    assert d["a"] == list(range(1000))


def test_folder_in_place_of_a_value(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path, digest_len=0)
    os.makedirs(tmp_path / "a.pkl")
    assert "a" not in d
    with pytest.raises(KeyError):
        d["a"]
    assert list(d) == []


def test_listings_skip_names_whose_key_part_would_be_a_dot(
        make_dict: Callable[..., PersiDict]) -> None:
    # "." and ".." are never keys (DESIGN §2), even when a foreign writer made
    # names that would map to them.
    d = make_dict(digest_len=0)
    d["a"] = 1
    value = d.store.read("a.pkl")
    names = ["..pkl", "...pkl", "x/..pkl", "x/...pkl"]
    holder = getattr(d.store, "remote", d.store)  # a CachingStore holds names in its remote
    if not isinstance(holder, FileStore):  # a folder cannot be named "." or ".."
        names += ["./y.pkl", "../y.pkl", "z/../y.pkl"]
    for name in names:
        d.store.write(name, value)
    assert list(d) == ["a"]
    assert len(d) == 1
    assert [key for key, _ in d.keys_and_timestamps()] == ["a"]
    assert d.newest_keys() == ["a"]
    assert d.subdicts() == {}


def test_bulk_arguments_of_the_wrong_shape(pdict: PersiDict) -> None:
    pdict["a"] = pdict["b"] = 1
    with pytest.raises(TypeError, match="iterable of keys"):
        pdict.get_many("ab")  # one key, not the keys "a" and "b"
    for bulk in (pdict.set_many, pdict.add_many):
        with pytest.raises((TypeError, ValueError)):
            bulk([("c", 1, 2)])
        with pytest.raises(TypeError):
            bulk(5)
    assert sorted(pdict) == ["a", "b"]


@pytest.mark.parametrize("max_n", ["3", 2.5, True])
def test_time_order_max_n_must_be_an_int(pdict: PersiDict, max_n: Any) -> None:
    pdict["a"] = 1
    for query in (pdict.newest_keys, pdict.oldest_keys, pdict.newest_values,
                  pdict.oldest_values):
        with pytest.raises(TypeError, match="max_n"):
            query(max_n)


def test_constructors_refuse_a_wrong_store_or_flag(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="store"):
        PersiDict(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="store"):
        LocalDict(store=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="durable"):
        FileDirDict(tmp_path / "d", durable="no")  # type: ignore[arg-type]
    assert not (tmp_path / "d").exists()
