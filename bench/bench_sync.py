"""persidict.copy / persidict.sync, folder -> S3 on a local moto HTTP endpoint, against
the bare os + boto3 calls doing the same work.

Run ``python bench/bench_sync.py [--n 10000] [--latency 0.0] [--rounds 1]``.
Rows: a copy of ``n`` items from a folder to an empty bucket prefix, and a no-op
sync of the same (everything already there). Baselines: the folder walked with
``os.scandir``, each file read and sent with ``put_object`` one at a time (what a
plain script does), and the same spread over 16 threads (what a careful script
does); for the no-op sync, ``list_objects_v2`` pages and each file's MD5 compared
with its object's ETag. ratio = persidict / baseline (below 1: persidict is faster).
``--latency`` adds seconds to every request at the endpoint, as a remote S3 would.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
from _table import Best, Table, machine_note
from s3_server import MotoServer

import persidict
from persidict import FileDirDict, S3Dict


def files_of(root: str) -> list[tuple[str, str]]:
    """``(path, name relative to root)`` of every file below ``root``."""
    found, stack = [], [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                elif not entry.name.startswith("#"):
                    found.append((entry.path, os.path.relpath(entry.path, root)))
    return found


def raw_copy(client: Any, bucket: str, prefix: str, root: str, threads: int) -> None:
    def put(item: tuple[str, str]) -> None:
        path, name = item
        with open(path, "rb") as f:
            client.put_object(Bucket=bucket, Key=prefix + name, Body=f.read())

    files = files_of(root)
    if threads == 1:
        for item in files:
            put(item)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, files))


def raw_noop_sync(client: Any, bucket: str, prefix: str, root: str) -> int:
    etags = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            etags[obj["Key"][len(prefix):]] = (obj["ETag"].strip('"'), obj["Size"])
    differ = 0
    for path, name in files_of(root):
        with open(path, "rb") as f:
            data = f.read()
        etag, size = etags.get(name, ("", -1))
        differ += size != len(data) or hashlib.md5(data, usedforsecurity=False).hexdigest() != etag
    if differ:
        raise AssertionError(f"{differ} files differ: the bucket is not in sync")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    server = MotoServer()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(machine_note(tmp) + f", endpoint {server.url} (moto, threaded, keep-alive),"
                  f" {args.latency * 1e3:.0f} ms added per request")
            run(server, tmp, args.n, args.rounds, args.latency)
    finally:
        server.stop()


def run(server: MotoServer, tmp: str, n: int, rounds: int, latency: float) -> None:
    # digest_len=0: the folder's file names are the S3 names, as the baseline copies them
    folder = FileDirDict(os.path.join(tmp, "src"), digest_len=0)
    folder.set_many({("runs", str(i // 100), str(i)): {"run": i, "score": i / n}
                     for i in range(n)})
    root = folder.base_dir
    best, requests = Best(), {}
    client = S3Dict("bench-sync", base_dir=None, endpoint_url=server.url).s3_store.client

    def target(name: str) -> S3Dict:
        return S3Dict("bench-sync", root_prefix=name, base_dir=None, endpoint_url=server.url)

    targets = [target(f"copy{r}") for r in range(rounds)]  # each checks its bucket once
    server.set_faults(latency=latency)
    try:
        for r in range(rounds):  # in turns: a slow moment of the machine hits every row
            for label, fn in [
                ("persidict.copy", lambda r=r: persidict.copy(folder, targets[r])),
                ("os+boto3, 1 thread", lambda r=r: raw_copy(client, "bench-sync",
                                                            f"raw1-{r}/", root, 1)),
                ("os+boto3, 16 threads", lambda r=r: raw_copy(client, "bench-sync",
                                                              f"raw16-{r}/", root, 16)),
                ("persidict.sync (no-op)", lambda r=r: persidict.sync(folder, targets[r])),
                ("list + md5 (no-op)", lambda r=r: raw_noop_sync(client, "bench-sync",
                                                                 f"raw1-{r}/", root)),
            ]:
                before = server.served()
                best.time(label, fn)
                requests[label] = server.served() - before
    finally:
        server.set_faults()
    table = Table(["operation", "requests", "seconds", "items/s", "baseline", "ratio"])
    for label, baseline in [("persidict.copy", "os+boto3, 1 thread"),
                            ("os+boto3, 1 thread", None),
                            ("os+boto3, 16 threads", None),
                            ("persidict.copy", "os+boto3, 16 threads"),
                            ("persidict.sync (no-op)", "list + md5 (no-op)"),
                            ("list + md5 (no-op)", None)]:
        seconds = best[label]
        ratio = f"{seconds / best[baseline]:.2f}" if baseline else "-"
        table.add(label, requests[label], seconds, n / seconds, baseline or "-", ratio)
    print(f"\n{n:,} items, folder -> S3, best of {rounds}:")
    table.print()


if __name__ == "__main__":
    main()
