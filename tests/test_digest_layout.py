"""A folder written with another digest_len is named, never shown as empty
(0.309 wrote digest_len=4 by default)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from persidict import FileDirDict


def files_below(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "#" not in p.name}


@pytest.mark.parametrize(("written", "opened"), [(4, 8), (8, 4), (8, 0), (0, 8), (4, 0),
                                                 (0, 4), (12, 8)])
@pytest.mark.parametrize("keys", [[("a",), ("b", "c")], [("only", "nested")]])
def test_a_folder_of_another_digest_len_is_refused(tmp_path: Path, written: int, opened: int,
                                                   keys: list[tuple[str, ...]]) -> None:
    old = FileDirDict(tmp_path, digest_len=written)
    for key in keys:
        old[key] = 1
    before = files_below(tmp_path)
    with pytest.raises(ValueError, match=f"digest_len={written}"):
        FileDirDict(tmp_path, digest_len=opened)
    assert files_below(tmp_path) == before
    assert [k.strings for k in sorted(FileDirDict(tmp_path, digest_len=written))] == sorted(keys)


def test_a_folder_of_our_digest_len_with_foreign_files_opens(tmp_path: Path) -> None:
    FileDirDict(tmp_path)["a"] = 1
    (tmp_path / "unsigned.pkl").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "plain").mkdir()
    assert list(FileDirDict(tmp_path)) == ["a"]


def test_a_digest_len_0_key_that_looks_signed_by_chance(tmp_path: Path) -> None:
    # "run_u" and "run_uu" carry valid 1- and 2-character digests of "run": too weak
    # a sign to refuse a folder written with digest_len=0
    for key in ("run_u", "run_uu", "data_12345678"):
        FileDirDict(tmp_path / key, digest_len=0)[key] = 1
        assert list(FileDirDict(tmp_path / key, digest_len=0)) == [key]


def test_opening_peeks_at_a_bounded_number_of_names(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    d = FileDirDict(tmp_path, digest_len=0)
    for i in range(3000):
        d[f"k{i}"] = i
    d8 = FileDirDict(tmp_path / "eight")
    d8["a"] = 1
    seen: list[str] = []
    real_scandir = os.scandir

    class Counting:
        def __init__(self, path: str) -> None:
            self.inner = real_scandir(path)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def __iter__(self) -> Counting:
            return self

        def __next__(self) -> os.DirEntry[str]:
            entry = next(self.inner)
            seen.append(entry.name)
            return entry

        def close(self) -> None:
            self.inner.close()

    monkeypatch.setattr(os, "scandir", Counting)
    FileDirDict(tmp_path, digest_len=0)
    assert 0 < len(seen) <= 64


@pytest.mark.parametrize("written", [4, 0])
def test_listing_notices_names_of_another_digest_len(tmp_path: Path, written: int) -> None:
    d = FileDirDict(tmp_path)  # opened while empty
    d["a"] = 1
    other = FileDirDict(tmp_path / "sub_rjunypus", digest_len=written)  # inside d's "sub"
    other["b"] = 2
    other["deeper", "c"] = 3
    assert d.get_subdict("sub").digest_len == 8
    if written:  # a signed name of another length is unmistakable
        for listing in (lambda: list(d), lambda: len(d), lambda: d.newest_keys(),
                        lambda: list(d.get_subdict("sub"))):
            with pytest.raises(ValueError, match=f"digest_len={written}"):
                listing()
    else:  # a name without a suffix may be anyone's file: it is skipped, as before
        assert list(d) == ["a"]
