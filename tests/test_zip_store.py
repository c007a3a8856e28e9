"""ZipStore's own behaviour: one writer, readers only while nobody writes, commits
that replace the archive whole, and every refusal. The mapping behaviour runs in
the shared suite (backend "zip")."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import zipfile
from pathlib import Path
from typing import Any

import pytest

from persidict import StoreError, ZipDict
from persidict.stores import ZipStore


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive holding ``a/b`` and ``c`` (committed)."""
    path = tmp_path / "backup.zip"
    with ZipStore(path, mode="a") as store:
        store.write("a/b", b"1")
        store.write("c", b"2")
    return path


def test_writes_reach_the_archive_on_close_only(tmp_path: Path) -> None:
    path = tmp_path / "new.zip"
    store = ZipStore(path, mode="a")
    store.write("k", b"v")
    assert not path.exists()  # nothing committed yet
    store.close()
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["k"]
        assert z.read("k") == b"v"
        assert z.testzip() is None


def test_overwrites_and_deletes_leave_one_member_each(archive: Path) -> None:
    with ZipStore(archive, mode="a") as store:
        store.write("a/b", b"new")
        store.write("a/b", b"newer")
        store.delete("c")
        store.write("d", b"3")
        store.commit()
        store.write("d", b"4")  # after a commit, the handle goes on
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["a/b", "d"]
        assert (z.read("a/b"), z.read("d")) == (b"newer", b"4")


def test_times_and_etags_survive_a_commit(archive: Path) -> None:
    with ZipStore(archive) as store:
        before = {i.name: i for i in store.infos()}
    with ZipStore(archive, mode="a") as store:
        store.write("e", b"5")
    with ZipStore(archive) as store:
        after = {i.name: i for i in store.infos()}
    assert {k: after[k] for k in before} == before  # untouched members: same mtime and etag
    assert after["e"].mtime > before["c"].mtime


def test_empty_new_archive_is_a_zip(tmp_path: Path) -> None:
    ZipStore(tmp_path / "empty.zip", mode="a").close()
    with zipfile.ZipFile(tmp_path / "empty.zip") as z:
        assert z.namelist() == []


def test_writer_dropped_without_close_commits(tmp_path: Path) -> None:
    d = ZipDict(tmp_path / "x.zip", mode="a")
    d["k"] = 1
    del d
    gc.collect()
    assert ZipDict(tmp_path / "x.zip")["k"] == 1


def test_archive_from_elsewhere_is_read(tmp_path: Path) -> None:
    """Folder members are skipped; times come from the zip's own 2-second stamps."""
    path = tmp_path / "made.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a/", b"")
        z.writestr(zipfile.ZipInfo("a/x.txt", date_time=(2020, 5, 17, 10, 0, 0)), b"hi")
    with ZipStore(path) as store:
        assert list(store.names()) == ["a/x.txt"]
        assert store.read("a/x.txt") == b"hi"
        assert 1589673600 - 86400 < store.stat("a/x.txt").mtime < 1589673600 + 86400


def test_one_writer_per_archive_in_this_process(archive: Path) -> None:
    before = archive.read_bytes()
    writer = ZipStore(archive, mode="a")
    with pytest.raises(StoreError, match="already open"):
        ZipStore(archive, mode="a")
    with pytest.raises(StoreError, match="open for writing"):
        ZipDict(archive)
    writer.close()
    assert archive.read_bytes() == before  # nothing changed, so nothing rewritten
    with ZipStore(archive), pytest.raises(StoreError, match="already open"):
        ZipStore(archive, mode="a")
    with ZipStore(archive), ZipStore(archive) as second:  # readers share
        assert second.read("c") == b"2"


def _open_for_writing(path: str, out: Any) -> None:
    try:
        ZipStore(path, mode="a")
        out.put("opened")
    except StoreError as e:
        out.put(f"refused: {e}")


def test_a_writer_in_another_process_is_refused(archive: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    with ZipStore(archive, mode="a") as store:
        store.write("mine", b"x")
        p = ctx.Process(target=_open_for_writing, args=(str(archive), out))
        p.start()
        p.join(60)
        assert out.get(timeout=5).startswith("refused: zip archive")
    with ZipStore(archive) as store:
        assert store.read("mine") == b"x"


def _write_and_wait(path: str, ready: Any) -> None:
    store = ZipStore(path, mode="a")
    store.write("c", b"lost")
    store.write("z", b"lost")
    ready.set()
    signal.pause()


def test_killed_writer_leaves_the_last_commit(archive: Path) -> None:
    """SIGKILL after uncommitted writes: the archive is as it was, no stray file is
    left but the lock file, and the next writer gets the archive."""
    before = files(archive.parent)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    p = ctx.Process(target=_write_and_wait, args=(str(archive), ready))
    p.start()
    assert ready.wait(60)
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    assert files(archive.parent) == before
    with ZipStore(archive, mode="a") as store:
        assert store.read("c") == b"2"
        assert not store.exists("z")


def test_forked_child_may_not_use_the_writer(archive: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    with ZipStore(archive, mode="a") as store:
        store.write("k", b"parent")

        def child() -> None:
            try:
                store.read("k")
                out.put("used")
            except StoreError as e:
                out.put(str(e))

        p = ctx.Process(target=child)
        p.start()
        p.join(30)
        assert "forked child" in out.get(timeout=5)
    with ZipStore(archive) as store:  # the child's exit committed nothing of its own
        assert store.read("k") == b"parent"


def test_reader_goes_to_a_spawned_worker(archive: Path) -> None:
    d = ZipDict(archive, file_type="txt")
    assert pickle.loads(pickle.dumps(d)).get_params() == d.get_params()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_names, (d,)) == ["c"]


def _names(d: ZipDict) -> list[str]:
    return sorted(name for name in d.store.names() if "/" not in name)


def test_writer_cannot_be_pickled(tmp_path: Path) -> None:
    with ZipDict(tmp_path / "x.zip", mode="a") as d, \
            pytest.raises(TypeError, match="one writer"):
        pickle.dumps(d)


def test_writes_to_a_reader_are_refused(archive: Path) -> None:
    before = archive.read_bytes()
    with ZipStore(archive) as store:
        for write in (lambda: store.write("x", b""), lambda: store.create("x", b""),
                      lambda: store.replace("c", b"", store.stat("c").etag),
                      lambda: store.delete("c"), lambda: store.delete_if("c", "e"),
                      lambda: store.write_many([("x", b"")]), store.commit):
            with pytest.raises(StoreError, match=r"read-only \(mode='r'\)"):
                write()
        assert store.read("c") == b"2"
    assert archive.read_bytes() == before


def test_closed_handle_refuses_use(archive: Path) -> None:
    store = ZipStore(archive)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.read("c")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", b"plain text\n" * 50])
def test_corrupt_archive_is_refused_unharmed(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(content)
    for mode in ("r", "a"):
        with pytest.raises(ValueError, match=r"bad\.zip.* is not a readable zip archive"):
            ZipDict(path, mode=mode)
    assert files(tmp_path) == {"bad.zip": content}  # no lock file either


def test_truncated_archive_is_refused_unharmed(archive: Path) -> None:
    archive.write_bytes(archive.read_bytes()[:-10])
    before = files(archive.parent)
    with pytest.raises(ValueError, match="not a readable zip"):
        ZipStore(archive, mode="a")
    assert files(archive.parent) == before


def test_folder_path_is_refused(tmp_path: Path) -> None:
    for mode in ("r", "a"):
        with pytest.raises(ValueError, match="is a folder"):
            ZipStore(tmp_path, mode=mode)
    assert list(tmp_path.iterdir()) == []


def test_missing_archive_to_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="mode 'a' creates one"):
        ZipDict(tmp_path / "none.zip")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "error", "match"), [
    ({"mode": "w"}, ValueError, "mode must be 'r'"),
    ({"mode": 1}, TypeError, "mode must be a str"),
    ({"file_type": "no good"}, ValueError, "file_type"),
    ({"root_prefix": 3}, TypeError, "root_prefix"),
    ({"digest_len": -1}, ValueError, "digest_len"),
])
def test_bad_arguments_open_nothing(tmp_path: Path, args: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ZipDict(tmp_path / "x.zip", **{"mode": "a", **args})
    assert list(tmp_path.iterdir()) == []


def test_path_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="path must be a path"):
        ZipStore(42)  # type: ignore[arg-type]


def test_zip_dict_round_trips_its_parameters(tmp_path: Path) -> None:
    with ZipDict(tmp_path / "x.zip", file_type="json", mode="a", root_prefix="p") as d:
        d["k"] = {"v": 1}
        sub = d.get_subdict("q")
        sub["r"] = 2
        assert sub.get_params()["root_prefix"].startswith("p/q_")
    reader = ZipDict(tmp_path / "x.zip", file_type="json", root_prefix="p")
    twin = ZipDict(**reader.get_params())
    assert twin == reader
    assert twin["k"] == {"v": 1}
    assert twin["q", "r"] == 2


def test_zip_urls_open_the_archive(tmp_path: Path) -> None:
    import persidict

    writer = persidict.open(f"zip://{tmp_path}/x.zip?mode=a&file_type=json&root_prefix=p")
    assert isinstance(writer, ZipDict)
    writer["k"] = [1]
    url = writer.url
    assert url == f"zip://{tmp_path}/x.zip?mode=a&root_prefix=p/&file_type=json"
    with pytest.raises(StoreError, match="already open"):
        persidict.open(url)
    writer.close()
    reader = persidict.open(f"zip://{tmp_path}/x.zip?file_type=json&root_prefix=p",
                            must_exist=True)
    assert reader["k"] == [1]
    assert persidict.open(reader.url) == reader
    with pytest.raises(FileNotFoundError, match="no file"):
        persidict.open(f"zip://{tmp_path}/none.zip", must_exist=True)


def test_unzipped_archive_is_a_folder_dict(tmp_path: Path) -> None:
    from persidict import FileDirDict

    with ZipDict(tmp_path / "x.zip", file_type="json", mode="a") as d:
        d["service", "retries"] = 3
        d["top"] = {"a": 1}
    with zipfile.ZipFile(tmp_path / "x.zip") as z:
        z.extractall(tmp_path / "folder")
    assert dict(FileDirDict(tmp_path / "folder", file_type="json").items()) \
        == {("service", "retries"): 3, "top": {"a": 1}}


def test_reader_of_a_new_archive_not_yet_written_is_told_so(tmp_path: Path) -> None:
    with ZipStore(tmp_path / "new.zip", mode="a"), \
            pytest.raises(StoreError, match="open for writing"):
        ZipStore(tmp_path / "new.zip")
