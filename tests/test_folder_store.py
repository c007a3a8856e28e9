"""Folder-only behaviour: reading without write permission, fsync under durable=True,
and files and folders that would take each other's place."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from persidict import FileDirDict, OverlappingMultiDict
from persidict.stores import FileStore

ROOT = Path(__file__).parent.parent


# --- housekeeping never fails a read


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder other users can traverse (tmp_path's parents are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="persidict-shared-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_reader_without_write_permission_lists(shared_folder: Path) -> None:
    d = FileDirDict(shared_folder / "d")
    d["a"] = 1
    d["sub", "b"] = 2
    stale = shared_folder / "d" / "#0123456789abcdef-0.tmp"
    stale.write_bytes(b"half a value")
    old = time.time() - FileStore.TEMP_MAX_AGE - 60
    os.utime(stale, (old, old))
    reader = textwrap.dedent(f"""
        import os, sys
        from persidict import FileDirDict
        if os.getuid() == 0:  # imports done: drop to an unprivileged user
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
        d = FileDirDict({str(shared_folder / "d")!r})
        print(len(d), sorted(k.strings for k in d), d["sub", "b"], sorted(d.subdicts()))
    """)
    folder_mode = (shared_folder / "d").stat().st_mode
    if os.getuid() != 0:
        (shared_folder / "d").chmod(0o555)
    try:
        done = subprocess.run([sys.executable, "-c", reader], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    finally:
        (shared_folder / "d").chmod(folder_mode)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "[('a',),", "('sub',", "'b')]", "2", "['sub']"]
    assert stale.exists()  # left for a writer to clean
    list(d)  # a writer cleans it
    assert not stale.exists()


# --- durable=True: fsync of every file and folder a write or delete changed


@pytest.fixture
def fsynced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``os.fsync`` is called on, in order."""
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return synced


def _folders(synced: list[str]) -> list[str]:
    return [p for p in synced if os.path.isdir(p)]


def _files(synced: list[str]) -> list[str]:
    return [p for p in synced if not os.path.isdir(p)]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_durable_syncs_every_new_folder_and_every_delete(tmp_path: Path,
                                                         fsynced: list[str]) -> None:
    base = tmp_path / "base"
    d = FileDirDict(base, digest_len=0, durable=True)
    assert _folders(fsynced) == [str(tmp_path)]  # base itself is new
    fsynced.clear()
    d["a", "b", "c"] = 1
    # each new folder's parent, then the file, then the folder the file went into
    assert _folders(fsynced) == [str(base), str(base / "a"), str(base / "a" / "b")]
    assert len(_files(fsynced)) == 1
    for delete in (lambda: d.__delitem__(("a", "b", "c")),
                   lambda: d.pop(("a", "b", "c")),
                   lambda: d.delete_if_exists(("a", "b", "c")),
                   lambda: d.compare_and_delete(("a", "b", "c"), d.etag(("a", "b", "c")))):
        d["a", "b", "c"] = 1
        fsynced.clear()
        delete()
        assert _folders(fsynced) == [str(base / "a" / "b")]
        assert _files(fsynced) == []
    fsynced.clear()
    d.setdefault(("x", "y"), 1)
    assert _folders(fsynced) == [str(base), str(base / "x")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_not_durable_syncs_nothing(tmp_path: Path, fsynced: list[str]) -> None:
    d = FileDirDict(tmp_path / "base", digest_len=0)
    d["a", "b", "c"] = 1
    d.setdefault(("x", "y"), 1)
    d.incr("n")
    del d["a", "b", "c"]
    d.pop(("x", "y"))
    assert fsynced == []


# --- a file where a folder would be, and the reverse


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Turn an endless loop into a failure after 20 s."""
    def interrupt(*_: object) -> None:
        raise TimeoutError("the operation did not return within 20 s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 20)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def _files_below(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "#" not in p.name}


def test_a_folder_where_a_value_file_would_be(tmp_path: Path, no_hang: None) -> None:
    m = OverlappingMultiDict(FileDirDict, {"base_dir": tmp_path, "digest_len": 0},
                             pkl={}, json={})
    m.pkl["b.json", "x"] = 1  # the folder "b.json", where m.json keeps key "b"
    before = _files_below(tmp_path)
    assert "b" not in m.json
    assert m.json.get("b") is None
    for operation in (lambda: m.json.__setitem__("b", 2), lambda: m.json.setdefault("b", 0),
                      lambda: m.json.add("b", 0), lambda: m.json.incr("b"),
                      lambda: m.json.update({"b": 2})):
        with pytest.raises(ValueError, match="a folder is where the file"):
            operation()
    assert _files_below(tmp_path) == before
    assert m.pkl["b.json", "x"] == 1


def test_a_value_file_where_a_folder_would_be(tmp_path: Path, no_hang: None) -> None:
    m = OverlappingMultiDict(FileDirDict, {"base_dir": tmp_path, "digest_len": 0},
                             pkl={}, json={})
    m.json["b"] = 1  # the file "b.json", where m.pkl keeps keys under "b.json"
    before = _files_below(tmp_path)
    assert ("b.json", "x") not in m.pkl
    for operation in (lambda: m.pkl.__setitem__(("b.json", "x"), 2),
                      lambda: m.pkl.__setitem__(("b.json", "x", "y"), 2),
                      lambda: m.pkl.setdefault(("b.json", "x"), 0),
                      lambda: m.pkl.add(("b.json", "x"), 0),
                      lambda: m.pkl.incr(("b.json", "x"))):
        with pytest.raises(ValueError, match="a file is where a folder"):
            operation()
    assert _files_below(tmp_path) == before
    assert m.json["b"] == 1
    assert list(m.pkl) == []


def test_store_create_refuses_a_name_that_is_a_folder(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    (tmp_path / "a.pkl").mkdir()
    with pytest.raises(ValueError, match="a folder is where the file"):
        store.create("a.pkl", b"x")
    with pytest.raises(ValueError, match="a folder is where the file"):
        store.write("a.pkl", b"x")
    assert not store.exists("a.pkl")
    with pytest.raises(KeyError):
        store.delete("a.pkl")
    assert (tmp_path / "a.pkl").is_dir()
