"""What history costs and saves: a write with ``history=True`` against one without, and
``newest_keys(10)`` answered from the history records against the listing.

Run ``python bench/bench_history.py [--writes 2000] [--sizes 10000,100000]
[--repeat 3] [--no-s3]``. Folder rows are FileDirDict (pkl); "S3 write" rows are
S3Dict without cache on moto's server on 127.0.0.1 (``tests/s3_server.py``), with
the requests counted there; the S3 newest_keys rows run on moto in-process, their
items (and records) put straight into moto's backend (through HTTP, 200,000 objects
take too long to seed), requests counted by a botocore hook. ratio = with history /
without; best of ``repeat``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
import moto  # noqa: F401 - before any boto3 session exists, so mock_aws sees its requests
from _table import Table, best_of, machine_note

from persidict import FileDirDict, PersiDict, S3Dict
from persidict._records import HISTORY_DIR, record_body, record_path


def row(table: Table, label: str, unit: str, scale: float, plain: Callable[[], object],
        recorded: Callable[[], object], repeat: int, sent: str = "-") -> None:
    best = {"plain": float("inf"), "history": float("inf")}
    for _ in range(repeat):  # in turns: a slow moment of the machine hits both
        best["plain"] = min(best["plain"], best_of(plain, 1))
        best["history"] = min(best["history"], best_of(recorded, 1))
    table.add(label, unit, best["plain"] * scale, best["history"] * scale,
              f"{best['history'] / best['plain']:.2f}x", sent)


def folder_rows(table: Table, writes: int, sizes: list[int], repeat: int, folder: str) -> None:
    plain = FileDirDict(tempfile.mkdtemp(prefix="bench-hist-", dir=folder))
    recorded = FileDirDict(tempfile.mkdtemp(prefix="bench-hist-", dir=folder), history=True)
    keys = [(f"g{i % 16:02d}", f"k{i:06d}") for i in range(writes)]

    def write_all(d: PersiDict) -> Callable[[], None]:
        return lambda: [d.__setitem__(k, {"i": i}) for i, k in enumerate(keys)]

    row(table, f"folder d[k] = v ({writes:,} keys)", "µs/write", 1e6 / writes,
        write_all(plain), write_all(recorded), repeat)
    for n in sizes:
        plain = FileDirDict(tempfile.mkdtemp(prefix="bench-hist-", dir=folder))
        recorded = FileDirDict(tempfile.mkdtemp(prefix="bench-hist-", dir=folder), history=True)
        for d in (plain, recorded):
            d.set_many({(f"g{i % 100:02d}", f"k{i:06d}"): i for i in range(n)})
        row(table, f"folder newest_keys(10), {n:,} items", "ms", 1e3,
            lambda p=plain: p.newest_keys(10), lambda r=recorded: r.newest_keys(10), repeat)


def s3_write_rows(table: Table, writes: int, repeat: int) -> None:
    from s3_server import MotoServer

    server = MotoServer()
    try:
        plain = S3Dict("bench-history", root_prefix="plain", base_dir=None,
                       endpoint_url=server.url)
        recorded = S3Dict("bench-history", root_prefix="history", base_dir=None,
                          endpoint_url=server.url, history=True)

        def requests(fn: Callable[[], object]) -> int:
            before = server.served()
            fn()
            return server.served() - before

        sent = f"{requests(lambda: plain.__setitem__('x', 1))} /" \
               f" {requests(lambda: recorded.__setitem__('x', 1))}"
        n = max(writes // 10, 10)
        row(table, f"S3 d[k] = v ({n} keys)", "ms/write", 1e3 / n,
            lambda: [plain.__setitem__(f"k{i}", i) for i in range(n)],
            lambda: [recorded.__setitem__(f"k{i}", i) for i in range(n)], repeat, sent)
    finally:
        server.stop()


def s3_newest_rows(table: Table, sizes: list[int], repeat: int) -> None:
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from test_s3_requests import Requests

    with mock_aws():
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for n in sizes:
            plain = S3Dict("bench-history-mem", root_prefix=f"plain{n}", base_dir=None)
            recorded = S3Dict("bench-history-mem", root_prefix=f"history{n}", base_dir=None,
                              history=True)
            seed(backend, plain, n, records=False)
            seed(backend, recorded, n, records=True)
            count_plain, count_recorded = Requests(plain), Requests(recorded)
            sent = f"{len(count_plain.of(lambda p=plain: p.newest_keys(10)))} /" \
                   f" {len(count_recorded.of(lambda r=recorded: r.newest_keys(10)))}"
            row(table, f"S3 newest_keys(10), {n:,} items", "ms", 1e3,
                lambda p=plain: p.newest_keys(10), lambda r=recorded: r.newest_keys(10),
                repeat, sent)


def seed(backend: Any, d: S3Dict, n: int, *, records: bool) -> None:
    """``n`` items (and their records) put straight into moto's backend."""
    start = time.time_ns() - n * 1000
    for i in range(n):
        name, data, ns = d._name_of(f"k{i}"), d._encode(i), start + i * 1000
        backend.put_object(d.bucket_name, d.root_prefix + name, data)
        if records:
            backend.put_object(d.bucket_name,
                               f"{d.root_prefix}{HISTORY_DIR}/{record_path(ns, 's', name)}",
                               record_body(ns, name, data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2000, help="folder writes timed")
    parser.add_argument("--sizes", default="10000,100000", help="items for newest_keys rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-s3", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        print(machine_note(folder))
        table = Table(["operation", "unit", "no history", "history=True", "ratio",
                       "requests (no / with)"])
        folder_rows(table, args.writes, sizes, args.repeat, folder)
        if not args.no_s3:
            s3_write_rows(table, args.writes, args.repeat)
            s3_newest_rows(table, sizes, args.repeat)
        table.print()


if __name__ == "__main__":
    main()
