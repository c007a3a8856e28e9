"""Hardening on every backend: keys that would share a file, retry loops that end,
and the key-part length limits the README states."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from persidict import ConflictError, PersiDict, S3Dict
from persidict.stores import FileStore


def snapshot(d: PersiDict, root: Path) -> tuple[list[str], list[str]]:
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if "#" not in p.name)
    return files, sorted(d.store.names())


# --- digest_len=0: a folder part named like a value file


@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_digest_len_0_refuses_a_folder_part_named_like_a_value(
        make_dict: Callable[..., PersiDict], tmp_path: Path, file_type: str) -> None:
    d = make_dict(file_type=file_type, digest_len=0)
    d["kept"] = 1
    before = snapshot(d, tmp_path)
    bad = (f"b.{file_type}", "x")
    operations: dict[str, Callable[[], Any]] = {
        "setitem": lambda: d.__setitem__(bad, 1), "getitem": lambda: d[bad],
        "contains": lambda: bad in d, "setdefault": lambda: d.setdefault(bad, 0),
        "incr": lambda: d.incr(bad), "add": lambda: d.add(bad, 1),
        "update": lambda: d.update({"fine": 1, bad: 2}),
        "get_subdict": lambda: d.get_subdict(f"b.{file_type}"),
        "deep": lambda: d.__setitem__(("a", f"b.{file_type}", "c"), 1),
    }
    for name, operation in operations.items():
        with pytest.raises(ValueError, match="same file") as info:
            operation()
        assert f".{file_type}" in str(info.value), name
    assert snapshot(d, tmp_path) == before
    # the last part may end so, and so may a folder part of another file type
    other = "json" if file_type == "pkl" else "pkl"
    d[f"b.{file_type}"] = 1
    d[f"b.{other}", "x"] = 2
    d["b"] = 3
    expected = [(f"b.{file_type}",), (f"b.{other}", "x"), ("b",), ("kept",)]
    assert [k.strings for k in sorted(d)] == sorted(expected)


def test_digest_len_8_keeps_folder_parts_named_like_a_value(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d["b.pkl", "x"] = 1
    d["b"] = 2
    assert d["b.pkl", "x"] == 1
    assert d["b"] == 2
    assert len(d) == 2


# --- every retry loop ends


class _SpinningError(Exception):
    pass


def _stuck(calls: list[int], answer: Any) -> Callable[..., Any]:
    """A store primitive that always loses its race (and stops a loop that never ends)."""
    def primitive(*_: Any) -> Any:
        calls.append(1)
        if len(calls) > 3000:
            raise _SpinningError(f"still retrying after {len(calls)} attempts")
        return answer
    return primitive


def test_setdefault_gives_up_on_endless_conflicts(pdict: PersiDict,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(pdict.store, "create", _stuck(calls, False))
    with pytest.raises(ConflictError, match="setdefault"):
        pdict.setdefault("k", 1)
    assert 1 < len(calls) <= 1000
    assert "k" not in pdict


def test_pop_and_popitem_give_up_on_endless_conflicts(pdict: PersiDict,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pdict["k"] = 1
    calls: list[int] = []
    monkeypatch.setattr(pdict.store, "delete_if", _stuck(calls, False))
    with pytest.raises(ConflictError, match="pop"):
        pdict.pop("k")
    assert 1 < len(calls) <= 1000
    with pytest.raises(ConflictError, match="pop"):
        pdict.popitem()
    monkeypatch.undo()
    assert pdict["k"] == 1


# --- key-part length limits (README "Key-part limits")


def part_limits(d: PersiDict) -> tuple[int, int]:
    """The longest folder part and last part the README promises for ``d``."""
    holder = getattr(d.store, "remote", d.store)  # a CachingStore holds names in its remote
    if not isinstance(holder, FileStore):
        return 253, 253
    digest = d.digest_len + 1 if d.digest_len else 0
    return min(253, 255 - digest), min(253, 255 - digest - len(d.file_type) - 1)


@pytest.mark.parametrize("digest_len", [0, 4, 8])
@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_longest_key_parts(make_dict: Callable[..., PersiDict], tmp_path: Path,
                           file_type: str, digest_len: int) -> None:
    d = make_dict(file_type=file_type, digest_len=digest_len)
    folder_max, leaf_max = part_limits(d)
    key = ("f" * folder_max, "x" * leaf_max)
    d[key] = 1
    assert d[key] == 1
    assert key in d
    assert list(d) == [key]
    assert d.get_subdict(key[0])[key[1]] == 1
    with d.lock(key):
        pass
    before = snapshot(d, tmp_path)
    for longer, part_max in ((("f" * folder_max, "x" * (leaf_max + 1)), leaf_max),
                             (("f" * (folder_max + 1), "x" * leaf_max), folder_max)):
        # a part over 253 breaks the key rule; a shorter one, the 255-byte file name
        limit = "253" if part_max == 253 else "255"
        for operation in (lambda k: d.__setitem__(k, 2), lambda k: d.setdefault(k, 2),
                          lambda k: d[k]):
            with pytest.raises(ValueError, match=limit):
                operation(longer)
    assert snapshot(d, tmp_path) == before
    assert d[key] == 1
    del d[key]
    assert len(d) == 0


def test_whole_key_limit_on_s3(make_dict: Callable[..., PersiDict], tmp_path: Path) -> None:
    d = make_dict()
    before = snapshot(d, tmp_path)
    long_key = ("p" * 200,) * 5 + ("x" * 20,)  # 1,029 bytes with its slashes and ".pkl"
    if isinstance(d, S3Dict):
        with pytest.raises(ValueError, match="1024"):
            d[long_key] = 1
        assert snapshot(d, tmp_path) == before
    else:  # folders and memory take it
        d[long_key] = 1
        assert d[long_key] == 1
