"""What TTL costs: the same operations on a dict without TTL and with a dict-wide ``ttl``.

Run ``python bench/bench_ttl.py [--n 2000] [--repeat 5] [--s3-n 1000]``. Folder rows
are FileDirDict (pkl) with keys over 16 folders; S3 rows are S3Dict without cache on
moto's server on 127.0.0.1 (``tests/s3_server.py``), with the requests each sends.
The two dicts of a row hold the same items and take turns, best of ``repeat``;
ratio = with TTL / without.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
from _table import Table, best_of, machine_note

from persidict import FileDirDict, PersiDict, S3Dict

GROUPS = 16


def compare(table: Table, label: str, unit: str, scale: float, plain: PersiDict,
            timed: PersiDict, op: Callable[[PersiDict], object], repeat: int,
            requests: Callable[[Callable[[], object]], int] | None = None) -> None:
    best = {"plain": float("inf"), "ttl": float("inf")}
    for _ in range(repeat):  # in turns: a slow moment of the machine hits both
        for tag, d in (("plain", plain), ("ttl", timed)):
            best[tag] = min(best[tag], best_of(lambda d=d: op(d), 1))
    sent = "-" if requests is None else \
        f"{requests(lambda: op(plain))} / {requests(lambda: op(timed))}"
    table.add(label, unit, best["plain"] * scale, best["ttl"] * scale,
              f"{best['ttl'] / best['plain']:.2f}x", sent)


def folder_rows(table: Table, n: int, repeat: int, folder: str) -> None:
    keys = [(f"g{i % GROUPS:02d}", f"k{i:06d}") for i in range(n)]
    plain = FileDirDict(tempfile.mkdtemp(prefix="bench-ttl-", dir=folder))
    timed = FileDirDict(tempfile.mkdtemp(prefix="bench-ttl-", dir=folder), ttl=3600)
    for d in (plain, timed):
        d.set_many({k: {"i": i} for i, k in enumerate(keys)})

    def per_key(op: Callable[[PersiDict, Any], object]) -> Callable[[PersiDict], None]:
        return lambda d: [op(d, k) for k in keys]

    us = 1e6 / n
    compare(table, f"folder d[k] ({n:,} keys)", "µs/key", us, plain, timed,
            per_key(lambda d, k: d[k]), repeat)
    compare(table, "folder k in d", "µs/key", us, plain, timed,
            per_key(lambda d, k: k in d), repeat)
    compare(table, "folder timestamp(k)", "µs/key", us, plain, timed,
            per_key(lambda d, k: d.timestamp(k)), repeat)
    compare(table, "folder len(d)", "ms", 1e3, plain, timed, len, repeat)
    compare(table, "folder list(d)", "ms", 1e3, plain, timed, list, repeat)
    compare(table, "folder newest_keys(10)", "ms", 1e3, plain, timed,
            lambda d: d.newest_keys(10), repeat)
    compare(table, "folder query_keys(g00, limit=10)", "ms", 1e3, plain, timed,
            lambda d: list(d.query_keys("g00", limit=10)), repeat)
    compare(table, "folder query(g00, limit=10)", "ms", 1e3, plain, timed,
            lambda d: list(d.query("g00", limit=10)), repeat)
    items = FileDirDict(tempfile.mkdtemp(prefix="bench-ttl-", dir=folder), item_ttl=True)
    for i, k in enumerate(keys):
        items.set(k, {"i": i}, ttl=3600)
    compare(table, "folder len(d), per-item ttl on all", "ms", 1e3, plain, items, len, repeat)
    compare(table, "folder d[k], per-item ttl", "µs/key", us, plain, items,
            per_key(lambda d, k: d[k]), repeat)


def s3_rows(table: Table, n: int, repeat: int) -> None:
    from s3_server import MotoServer

    server = MotoServer()
    try:
        plain = S3Dict("bench-ttl", root_prefix="plain", base_dir=None, endpoint_url=server.url)
        timed = S3Dict("bench-ttl", root_prefix="ttl", base_dir=None, endpoint_url=server.url,
                       ttl=3600)
        for d in (plain, timed):
            d.set_many({("many", str(i)): i for i in range(n)})
            d["k"] = list(range(100))

        def requests(fn: Callable[[], object]) -> int:
            before = server.served()
            fn()
            return server.served() - before

        compare(table, "S3 d[k]", "ms", 1e3, plain, timed, lambda d: d["k"], repeat * 10,
                requests)
        compare(table, "S3 k in d", "ms", 1e3, plain, timed, lambda d: "k" in d, repeat * 10,
                requests)
        compare(table, f"S3 len(d) ({n + 1:,} keys)", "ms", 1e3, plain, timed, len, repeat,
                requests)
        compare(table, "S3 newest_keys(10)", "ms", 1e3, plain, timed,
                lambda d: d.newest_keys(10), repeat, requests)
        def bounded_keys(d: PersiDict) -> object:
            return list(d.query_keys("many", start="500", limit=10))

        def bounded_items(d: PersiDict) -> object:
            return list(d.query("many", start="500", limit=10))

        compare(table, "S3 query_keys(start, limit=10)", "ms", 1e3, plain, timed,
                bounded_keys, repeat, requests)
        compare(table, "S3 query(start, limit=10)", "ms", 1e3, plain, timed,
                bounded_items, repeat, requests)
        items = S3Dict("bench-ttl", root_prefix="items", base_dir=None,
                       endpoint_url=server.url, item_ttl=True)
        for i in range(n):
            items.set(("many", str(i)), i, ttl=3600)
        items["k"] = list(range(100))
        compare(table, "S3 len(d), per-item ttl on all", "ms", 1e3, plain, items, len,
                repeat, requests)
        compare(table, "S3 query_keys(start, limit=10), per-item", "ms", 1e3, plain, items,
                bounded_keys, repeat, requests)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="folder items")
    parser.add_argument("--s3-n", type=int, default=1000, help="S3 items")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-s3", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(machine_note(folder))
        table = Table(["operation", "unit", "no TTL", "ttl=3600", "ratio",
                       "requests (no TTL / TTL)"])
        folder_rows(table, args.n, args.repeat, folder)
        if not args.no_s3:
            s3_rows(table, args.s3_n, args.repeat)
        table.print()


if __name__ == "__main__":
    main()
