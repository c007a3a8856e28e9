"""DESIGN.md §5: folders written by the seed persidict read back, and items written
here read back the seed way (joblib, jsonpickle, plain text at digest-suffixed paths)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import joblib
import jsonpickle
import numpy as np
import pytest

from persidict import FileDirDict, SafeStrTuple

SEED = Path(__file__).parent / "data" / "seed-store"
EXPECTED: dict[str, dict[str, Any]] = json.loads((SEED / "expected.json").read_text())

# The seed called jsonpickle with its defaults, which jsonpickle 4 warns about.
pytestmark = pytest.mark.filterwarnings("ignore:keys will default to True:DeprecationWarning")


def expected_items(folder: str) -> dict[tuple[str, ...], Any]:
    """The items the seed wrote into ``folder``, rebuilt from their repr()."""
    return {tuple(key): eval(text, {"numpy": np})
            for key, text in EXPECTED[folder]["items"]}


def seed_path(base: Path, key: tuple[str, ...], file_type: str, digest_len: int) -> Path:
    """Where the seed puts ``key``: each component + "_" + base32(md5)[:digest_len]."""
    def signed(c: str) -> str:
        if not digest_len:
            return c
        digest = base64.b32encode(hashlib.md5(c.encode()).digest()).decode().lower()
        return f"{c}_{digest[:digest_len]}"

    *dirs, leaf = [signed(c) for c in key]
    return base.joinpath(*dirs, f"{leaf}.{file_type}")


def assert_same(actual: Any, expected: Any) -> None:
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        np.testing.assert_array_equal(actual, expected)
        assert actual.dtype == expected.dtype
    else:
        assert actual == expected
        assert type(actual) is type(expected)


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(params=sorted(EXPECTED))
def seed_copy(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A writable copy of one seed folder."""
    folder = tmp_path / request.param
    shutil.copytree(SEED / request.param, folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    return request.param, folder


def open_seed(name: str, folder: Path) -> FileDirDict:
    spec = EXPECTED[name]
    return FileDirDict(base_dir=folder, file_type=spec["file_type"],
                       digest_len=spec["digest_len"])


def test_fixture_matches_the_layout_rule(seed_copy: tuple[str, Path]) -> None:
    name, folder = seed_copy
    spec = EXPECTED[name]
    expected_files = {seed_path(folder, k, spec["file_type"], spec["digest_len"])
                      for k in expected_items(name)}
    assert expected_files == {p for p in folder.rglob("*") if p.is_file()}


def test_seed_folders_read_back(seed_copy: tuple[str, Path]) -> None:
    name, folder = seed_copy
    before = file_bytes(folder)
    d = open_seed(name, folder)
    expected = expected_items(name)
    assert {k.strings for k in d} == set(expected)
    assert len(d) == len(expected)
    for key, value in expected.items():
        assert key in d
        assert_same(d[key], value)
    for key, value in d.items():
        assert type(key) is SafeStrTuple
        assert_same(value, expected[key.strings])
    assert sorted(map(tuple, d.newest_keys())) == sorted(expected)
    assert file_bytes(folder) == before  # reading changed nothing


def test_seed_subdicts(seed_copy: tuple[str, Path]) -> None:
    name, folder = seed_copy
    d = open_seed(name, folder)
    expected = expected_items(name)
    prefixes = {k[0] for k in expected if len(k) > 1}
    assert set(d.subdicts()) == prefixes
    for prefix in prefixes:
        sub = d.get_subdict(prefix)
        assert {k.strings for k in sub} == {k[1:] for k in expected if k[0] == prefix}


def test_seed_folders_accept_new_writes(seed_copy: tuple[str, Path]) -> None:
    name, folder = seed_copy
    d = open_seed(name, folder)
    expected = expected_items(name)
    value = "added" if EXPECTED[name]["file_type"] == "txt" else {"added": 1}
    d["added", "here"] = value
    first = next(iter(expected))
    del d[first]
    expected.pop(first)
    assert {k.strings for k in d} == {*expected, ("added", "here")}
    assert d["added", "here"] == value


# --- the reverse: what FileDirDict writes, the seed's tools read

WRITTEN = {
    ("alpha",): 1,
    ("nested", "deep", "leaf"): {"a": [1, 2, 3], "b": None, "c": 2.5},
    ("Case",): "upper",
    ("case",): "lower",
    ("odd.name-with_chars(1)~=",): [True, False],
    ("tuple",): (1, "two", 3.0),
}


def seed_load(path: Path, file_type: str) -> Any:
    if file_type == "pkl":
        return joblib.load(path)
    if file_type == "json":
        return jsonpickle.decode(path.read_text())
    return path.read_text(encoding="utf-8")


def seed_dump(value: Any, path: Path, file_type: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_type == "pkl":
        joblib.dump(value, path, compress="lz4")
    elif file_type == "json":
        path.write_text(jsonpickle.encode(value, indent=4))
    else:
        path.write_text(value, encoding="utf-8")


@pytest.mark.parametrize("digest_len", [0, 4, 8])
@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_seed_tools_read_what_we_write(tmp_path: Path, file_type: str, digest_len: int) -> None:
    d = FileDirDict(tmp_path, file_type=file_type, digest_len=digest_len)
    items = {k: v for k, v in WRITTEN.items() if digest_len or k != ("Case",)}
    d.update(items)
    d["arr"] = np.arange(5)
    for key, value in items.items():
        assert_same(seed_load(seed_path(tmp_path, key, file_type, digest_len), file_type), value)
    assert_same(seed_load(seed_path(tmp_path, ("arr",), file_type, digest_len), file_type),
                np.arange(5))
    value_files = {p for p in tmp_path.rglob("*") if p.is_file() and "#" not in p.name}
    assert len(value_files) == len(items) + 1


def test_seed_tools_read_our_text(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path, file_type="txt")
    d["readme"] = "plain text\nline two\n"
    d["notes", "n1"] = "ünïcode ok"
    assert seed_load(seed_path(tmp_path, ("readme",), "txt", 8), "txt") == "plain text\nline two\n"
    assert seed_path(tmp_path, ("notes", "n1"), "txt", 8).read_bytes() == "ünïcode ok".encode()


@pytest.mark.parametrize("digest_len", [0, 3, 8])
@pytest.mark.parametrize("file_type", ["pkl", "json", "txt"])
def test_we_read_what_the_seed_tools_write(tmp_path: Path, file_type: str,
                                           digest_len: int) -> None:
    if file_type == "txt":
        items = {("a",): "x", ("b", "c"): "ünï\n", ("d", "e", "f"): ""}
    else:
        items = {k: v for k, v in WRITTEN.items() if digest_len or k != ("Case",)}
        items["big", "array"] = np.arange(200_000).reshape(400, 500)  # joblib's own layout
        items["set",] = {1, 2, 3}
    for key, value in items.items():
        seed_dump(value, seed_path(tmp_path, key, file_type, digest_len), file_type)
    d = FileDirDict(tmp_path, file_type=file_type, digest_len=digest_len)
    assert {k.strings for k in d} == set(items)
    for key, value in items.items():
        assert_same(d[key], value)
    # and overwriting them goes to the same files
    first = next(iter(items))
    d[first] = items[first]
    assert len(list(tmp_path.rglob(f"*.{file_type}"))) == len(items)


def test_digest_len_mismatch_is_named(tmp_path: Path) -> None:
    FileDirDict(tmp_path, digest_len=8)["a", "b"] = 1
    with pytest.raises(ValueError, match="digest_len=8"):
        FileDirDict(tmp_path, digest_len=4)
    assert len(FileDirDict(tmp_path, digest_len=8)) == 1


def test_foreign_files_are_not_keys(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path)
    d["a"] = 1
    (tmp_path / "notes.txt").write_text("x")  # another file_type
    (tmp_path / "unsigned.pkl").write_bytes(b"")  # no digest suffix
    (tmp_path / "has space_aaaaaaaa.pkl").write_bytes(b"")  # not a safe name
    (tmp_path / "x_aaaaaaaa").mkdir()  # a folder whose suffix is not its digest
    (tmp_path / "x_aaaaaaaa" / seed_path(Path(), ("y",), "pkl", 8)).write_bytes(b"")
    assert list(d) == ["a"]
    assert d.subdicts() == {}
    assert os.path.exists(tmp_path / "notes.txt")


def test_every_listed_key_is_in_the_dict(tmp_path: Path) -> None:
    FileDirDict(tmp_path)["a"] = 1  # the folder is ours, so it opens
    (value,) = tmp_path.glob("a_*.pkl")  # and key "data_12345678" with digest_len=0:
    (tmp_path / "data_12345678.pkl").write_bytes(value.read_bytes())
    d = FileDirDict(tmp_path, digest_len=8)
    assert [k for k in d if k not in d] == []
    assert list(d) == ["a"]


def test_a_folder_of_digest_len_0_names_it(tmp_path: Path) -> None:
    FileDirDict(tmp_path, digest_len=0)["data_12345678"] = 1
    with pytest.raises(ValueError, match="digest_len=0"):
        FileDirDict(tmp_path, digest_len=8)
