"""A full or read-only disk in the middle of a folder write: the write raises
StoreError (an OSError keeping the errno) naming the key, the old value stays, and
nothing half-written becomes visible (no temp file left, none listed).

Each fault runs in a child process (tests/folder_fault_workers.py): most are
installed at the os-call boundary there (a tiny real tmpfs cannot be mounted here);
``efbig`` (RLIMIT_FSIZE) and ``eacces_real`` (an unprivileged user, or a read-only
folder) are refused by the kernel itself.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folder_fault_workers as workers
import pytest

from persidict import FileDirDict, StoreError

BIG = "x" * 5000  # more than RLIMIT_FSIZE lets the child write (64 bytes)
FAULTS = {"enospc_write": errno.ENOSPC, "eacces_open": errno.EACCES,
          "eacces_rename": errno.EACCES, "efbig": errno.EFBIG, "eacces_real": errno.EACCES}


@pytest.fixture
def base_dir() -> Iterator[Path]:
    """A folder an unprivileged child can traverse (tmp_path's parents are private)."""
    folder = Path(tempfile.mkdtemp(prefix="persidict-faults-"))
    folder.chmod(0o755)
    yield folder / "d"
    for path, dirs, _ in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(path, name), 0o755)
    shutil.rmtree(folder)


def in_child(d: FileDirDict, fault: str, operation: str, key: Any, value: Any,
             etag: str | None = None) -> dict[str, Any]:
    folder = os.path.dirname(os.path.join(d.base_dir, d._name_of(key)))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        report = pool.apply(workers.under_fault,
                            (str(d.base_dir), folder, fault, operation, key, value, etag))
    if os.path.isdir(folder):
        os.chmod(folder, 0o755)  # undo eacces_real's read-only folder
    return report


def leftovers(base_dir: Path) -> list[str]:
    """Files that are neither values nor the store's lock files."""
    return [name for _, _, files in os.walk(base_dir) for name in files
            if not name.endswith(".pkl") and not name.endswith("lock")]


def assert_refused(report: dict[str, Any], fault: str, key: str) -> None:
    assert report["raised"] == "StoreError", report
    assert report["os_error"], report
    assert report["errno"] == FAULTS[fault], report
    assert key in report["message"], report


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
def test_a_refused_overwrite_keeps_the_old_value(base_dir: Path, fault: str) -> None:
    d = FileDirDict(base_dir)
    d["victim"] = "old"
    d["other"] = 1
    report = in_child(d, fault, "write", "victim", BIG)
    assert_refused(report, fault, "victim")
    assert d["victim"] == "old"
    assert sorted(k.strings for k in d) == [("other",), ("victim",)]
    assert leftovers(base_dir) == []


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
def test_a_refused_add_creates_nothing(base_dir: Path, fault: str) -> None:
    d = FileDirDict(base_dir)
    d["other"] = 1
    report = in_child(d, fault, "add", "newcomer", BIG)
    assert_refused(report, fault, "newcomer")
    assert "newcomer" not in d
    assert sorted(k.strings for k in d) == [("other",)]
    assert leftovers(base_dir) == []


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
def test_a_refused_compare_and_set_keeps_the_old_value(base_dir: Path, fault: str) -> None:
    d = FileDirDict(base_dir)
    d["victim"] = "old"
    etag = d.etag("victim")
    report = in_child(d, fault, "compare_and_set", "victim", BIG, etag)
    assert_refused(report, fault, "victim")
    assert d.get_with_etag("victim") == ("old", etag)
    assert leftovers(base_dir) == []


@pytest.mark.slow
def test_no_space_for_a_new_folder(base_dir: Path) -> None:
    d = FileDirDict(base_dir)
    d["other"] = 1
    report = in_child(d, "enospc_mkdir", "write", ("newfolder", "k"), "v")
    assert report["raised"] == "StoreError", report
    assert report["errno"] == errno.ENOSPC
    assert "newfolder" in report["message"]
    assert sorted(k.strings for k in d) == [("other",)]
    assert leftovers(base_dir) == []


def test_a_read_only_folder_refuses_in_process(base_dir: Path) -> None:
    # The same translation, without a child, where the kernel enforces permissions.
    if os.getuid() == 0:
        pytest.skip("root writes into read-only folders")
    d = FileDirDict(base_dir)
    d["victim"] = "old"
    mode = stat.S_IMODE(os.stat(base_dir).st_mode)
    os.chmod(base_dir, 0o555)
    try:
        with pytest.raises(StoreError, match="victim") as info:
            d["victim"] = "new"
    finally:
        os.chmod(base_dir, mode)
    assert info.value.errno == errno.EACCES
    assert d["victim"] == "old"
