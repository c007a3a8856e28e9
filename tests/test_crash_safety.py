"""A writer killed with SIGKILL leaves the old value or the new one, never a partial
file; leftover temp files are never keys and are cleaned up (folders)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from persidict import FileDirDict
from persidict.stores import FileStore

# Writes values of a few MB, incompressible, each carrying the digest of its payload, in
# a loop: a pickle and a text file (whose encoding is cheap, so most of its time is
# spent writing). Says "ready" once its first writes are complete.
WRITER = r"""
import hashlib, os, sys
from persidict import FileDirDict

pkl = FileDirDict(sys.argv[1])
txt = FileDirDict(sys.argv[1], file_type="txt")
writer = int(sys.argv[2])
blobs = [os.urandom((3 << 20) + k) for k in range(2)]
digests = [hashlib.sha256(b).hexdigest() for b in blobs]
pickles = [(writer, d, b) for d, b in zip(digests, blobs)]
texts = [f"{writer} {d} {b.hex()}" for d, b in zip(digests, blobs)]
i = 0
while True:
    k = i % 2  # consecutive writes differ, so a torn file mixes two payloads
    pkl["big"] = pickles[k]
    txt["nested", "big"] = texts[1 - k]
    if i == 0:
        print("ready", flush=True)
    i += 1
"""

MIN_ROUNDS, MAX_ROUNDS = 30, 120
MIN_MID_WRITE_KILLS = 3  # one kill in five to ten lands inside a write's temp-file window


def check_whole(value: tuple[int, str, bytes] | str) -> int:
    """The number of the writer of a value, once its payload matches its digest."""
    if isinstance(value, str):
        number, digest, payload = value.split(" ")
        number, blob = int(number), bytes.fromhex(payload)
    else:
        number, digest, blob = value
    assert hashlib.sha256(blob).hexdigest() == digest, f"value {number} is torn"
    assert len(blob) >= 3 << 20
    return number


def leftovers(base: Path) -> list[Path]:
    """Internal files a killed writer may leave: every '#' file but the lock files."""
    return [p for p in base.rglob("*#*") if p.is_file() and not p.name.endswith(".lock")]


def start_writer(base: Path, round_no: int) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(base), str(round_no)],
        stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    assert writer.stdout.readline() == "ready\n", "the writer failed to start"
    return writer


@pytest.mark.slow
def test_sigkilled_writer_leaves_old_or_new_value(tmp_path: Path) -> None:
    base = tmp_path / "store"
    pkl, txt = FileDirDict(base), FileDirDict(base, file_type="txt")
    rng = random.Random()
    killed_mid_write = 0
    left_before: set[Path] = set()
    round_no = 0
    while round_no < MIN_ROUNDS or killed_mid_write < MIN_MID_WRITE_KILLS:
        round_no += 1
        assert round_no <= MAX_ROUNDS, f"only {killed_mid_write} kills landed inside a write"
        writer = start_writer(base, round_no)
        time.sleep(rng.uniform(0, 0.1))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()  # type: ignore[union-attr]
        assert writer.returncode == -signal.SIGKILL

        left = set(leftovers(base))
        killed_mid_write += bool(left - left_before)
        left_before = left
        assert list(pkl) == ["big"]  # temp files are never listed as keys
        assert list(txt) == [("nested", "big")]
        assert (len(pkl), len(txt)) == (1, 1)
        assert [k for k, _ in pkl.keys_and_timestamps()] == ["big"]
        assert list(txt.get_subdict("nested")) == ["big"]
        for value in (pkl["big"], txt["nested", "big"]):
            # whole, and written by this writer (it completed its first writes)
            assert check_whole(value) == round_no


    # Leftovers are kept while they may belong to a live writer, and removed once old.
    left = leftovers(base)
    assert left
    list(pkl)
    list(txt)
    assert set(leftovers(base)) == set(left)
    old = time.time() - FileStore.TEMP_MAX_AGE - 60
    for path in left:
        os.utime(path, (old, old))
    assert (list(pkl), list(txt)) == (["big"], [("nested", "big")])
    assert leftovers(base) == []
    check_whole(pkl["big"])
    check_whole(txt["nested", "big"])


def test_abandoned_temp_files_are_cleaned_on_listing(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path)
    d["a"] = 1
    d["sub", "b"] = 2
    fresh = tmp_path / "#fresh0000.tmp"
    fresh.write_bytes(b"\x04\x22\x4d\x18partial")
    sub_folder = next(tmp_path.glob("sub_*"))
    abandoned = [tmp_path / "#old00000.tmp", sub_folder / "#old11111.tmp"]
    other = tmp_path / "#notes"  # an internal file of another kind: not a temp file
    other.write_bytes(b"x")
    old = time.time() - FileStore.TEMP_MAX_AGE - 1
    for path in abandoned:
        path.write_bytes(b"partial")
        os.utime(path, (old, old))

    assert set(d) == {"a", ("sub", "b")}
    assert not any(p.exists() for p in abandoned)
    assert fresh.exists()
    assert other.exists()
    assert (d["a"], d["sub", "b"]) == (1, 2)


def test_a_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    d = FileDirDict(tmp_path)
    d["a"] = 1
    before = sorted(tmp_path.rglob("*"))

    class ExplodesWhenPickled:
        def __reduce__(self) -> tuple:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        d["a"] = ExplodesWhenPickled()
    assert sorted(tmp_path.rglob("*")) == before
    assert d["a"] == 1
