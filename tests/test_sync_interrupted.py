"""sync's costs and its Ctrl-C guarantee, against real endpoints and real processes:
a second sync of unchanged stores sends only LISTs to S3 (counted at the endpoint),
and a ``sync --delete`` sent SIGINT leaves every item copied or untouched."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import new_bucket_name
from s3_server import MotoServer

import persidict
from persidict import FileDirDict, PersiDict, S3Dict

ROOT = Path(__file__).parent.parent


def _second_sync_requests(server: MotoServer, src: PersiDict, dst: PersiDict) -> int:
    count = len(src)
    assert len(persidict.sync(src, dst).copied) == count
    before = server.served()
    again = persidict.sync(src, dst)
    sent = server.served() - before
    assert (again.copied, len(again.skipped)) == ([], count)
    return sent


@pytest.mark.parametrize("cache", [None, "cache"])
def test_a_second_sync_sends_only_listings(s3_server: MotoServer, tmp_path: Path,
                                           cache: str | None) -> None:
    base_dir = None if cache is None else tmp_path / cache
    folder = FileDirDict(tmp_path / "folder")
    folder.update({("runs", str(i)): {"score": i} for i in range(1001)})  # 2 LIST pages
    bucket = new_bucket_name()
    s3 = S3Dict(bucket, root_prefix="mirror", base_dir=base_dir, endpoint_url=s3_server.url)
    # folder -> S3: the listing's ETags are the MD5s the folder's bytes hash to
    assert _second_sync_requests(s3_server, folder, s3) == 2
    # S3 -> folder, and S3 -> S3
    assert _second_sync_requests(s3_server, s3, FileDirDict(tmp_path / "back")) == 2
    other = S3Dict(bucket, root_prefix="copy", base_dir=base_dir, endpoint_url=s3_server.url)
    assert _second_sync_requests(s3_server, s3, other) == 4


def test_a_changed_item_costs_one_put(s3_server: MotoServer, tmp_path: Path) -> None:
    folder = FileDirDict(tmp_path / "folder")
    folder.update({str(i): i for i in range(50)})
    s3 = S3Dict(new_bucket_name(), base_dir=None, endpoint_url=s3_server.url)
    persidict.sync(folder, s3)
    folder["7"] = "seven"
    before = s3_server.served()
    assert persidict.sync(folder, s3).copied == ["7"]
    assert s3_server.served() - before == 2  # one LIST, one PUT


# Syncs argv[1] onto argv[2] with delete=True, printing each progress report.
SYNCER = r"""
import sys
import persidict

def progress(done, total):
    print(done, total, flush=True)

persidict.sync(persidict.open(sys.argv[1]), persidict.open(sys.argv[2]), delete=True,
               progress=progress)
print("finished", flush=True)
"""

N = 600
OLD, GONE = "old value", "to be deleted"


def _new(i: int) -> str:
    return f"new value {i} " + "x" * (i % 200)


def _fill(src_url: str, dst_url: str) -> tuple[PersiDict, PersiDict]:
    src, dst = persidict.open(src_url), persidict.open(dst_url)
    src.update({("k", str(i)): _new(i) for i in range(N)})
    dst.update({("k", str(i)): OLD for i in range(0, N, 2)})
    dst.update({("gone", str(i)): GONE for i in range(N)})
    return src, dst


def _interrupt(src_url: str, dst_url: str, phase: str) -> subprocess.CompletedProcess[str]:
    """Run the sync in a child and send it SIGINT at a random point of ``phase``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", SYNCER, src_url, dst_url], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    aim = random.randrange(N // 4, N) if phase == "copy" else N + random.randrange(N // 2)
    for line in child.stdout:
        if line.startswith("finished"):
            break
        done, _ = map(int, line.split())
        if done >= aim:
            child.send_signal(signal.SIGINT)
            break
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def _check_each_item_copied_or_untouched(dst: PersiDict, phase: str) -> tuple[int, int]:
    copied = deleted = present = 0
    held = {k.strings: v for k, v in dst.items()}  # every stored value reads whole
    for i in range(N):
        value = held.get(("k", str(i)))
        if value == _new(i):
            copied += 1
        else:
            assert value == (OLD if i % 2 == 0 else None), (i, value)
        present += value is not None
        gone = held.get(("gone", str(i)))
        assert gone in (GONE, None)
        deleted += gone is None
    assert len(held) == present + N - deleted  # no other name is listed as a key
    assert deleted == 0 or copied == N  # deletes come only after the whole copy pass
    if phase == "delete":
        assert copied == N
    return copied, deleted


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["copy", "delete"])
@pytest.mark.parametrize("target", ["folder", "s3_http"])
def test_ctrl_c_leaves_every_item_copied_or_untouched(tmp_path: Path, phase: str, target: str,
                                                      request: pytest.FixtureRequest) -> None:
    interrupted = 0
    for round_ in range(3):
        src_url = f"file://{tmp_path}/src-{round_}"
        if target == "folder":
            dst_url = f"file://{tmp_path}/dst-{round_}"
        else:
            endpoint = request.getfixturevalue("s3_endpoint")
            dst_url = f"s3://{new_bucket_name()}/dst?endpoint_url={endpoint}"
        _, dst = _fill(src_url, dst_url)
        run = _interrupt(src_url, dst_url, phase)
        if "finished" not in run.stdout:
            assert run.returncode != 0
            assert "KeyboardInterrupt" in run.stderr
            interrupted += 1
        copied, deleted = _check_each_item_copied_or_untouched(dst, phase)
        assert 0 < copied <= N
        assert phase == "copy" or 0 <= deleted <= N
    assert interrupted >= 2  # the signal came mid-sync, not after it
    # and a sync after the interruption finishes the job
    src = persidict.open(src_url)
    persidict.sync(src, dst, delete=True)
    assert dict(dst.items()) == dict(src.items())
