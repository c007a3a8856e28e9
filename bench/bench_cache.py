"""What the hot-read cache (``cached(d)``) saves, against the reads it replaces.

Run ``python bench/bench_cache.py [--n 1000] [--repeat 7] [--big-n 20]``. Folder
dicts (pkl) with keys over 16 folders; every row reads each key once per round,
rounds taken in turns with its baseline, best of ``repeat``. Rows:

- write-once hit: ``cached(d)[k]`` on a write-once dict (no I/O; target <= 2 µs),
  against an uncached ``d[k]``;
- validated hit: ``cached(d)[k]`` on a mutable dict (one stat per hit), against
  one ``os.stat`` of the item's file (target ratio <= 1.3): with dict values, each
  hit also unpickles its own copy; with str values (shared, they cannot change
  in place) it does not;
- 1 MB validated hit: the same with 1 MB values, against an uncached ``d[k]``
  (target: >= 20x faster);
- miss: a cache that keeps nothing (``max_bytes=1``), against ``d[k]``: what a
  miss adds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout first on sys.path
from _table import Table, best_of, machine_note

from persidict import FileDirDict, cached

GROUPS = 16


def keys_of(n: int) -> list[tuple[str, str]]:
    return [(f"g{i % GROUPS:02d}", f"k{i:06d}") for i in range(n)]


def compare(table: Table, label: str, n: int, repeat: int, base_label: str,
            base: Callable[[], object], op: Callable[[], object], target: str,
            faster: bool = False) -> None:
    best = {"base": float("inf"), "op": float("inf")}
    for _ in range(repeat):  # in turns: a slow moment of the machine hits both
        best["base"] = min(best["base"], best_of(base, 1))
        best["op"] = min(best["op"], best_of(op, 1))
    us_base, us_op = best["base"] * 1e6 / n, best["op"] * 1e6 / n
    ratio = us_base / us_op if faster else us_op / us_base
    table.add(label, base_label, us_base, us_op,
              f"{ratio:.2f}x{' faster' if faster else ''}", target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--big-n", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args()
    folder = args.folder or tempfile.gettempdir()
    n, repeat = args.n, args.repeat
    keys = keys_of(n)
    table = Table(["row", "baseline", "baseline µs", "cached µs", "ratio", "target"])

    once = FileDirDict(tempfile.mkdtemp(prefix="bench-cache-", dir=folder),
                       immutable_items=True)
    once.set_many({k: {"i": i} for i, k in enumerate(keys)})
    hot_once = cached(once)
    read_all(hot_once, keys)
    compare(table, "write-once hit", n, repeat, "d[k] uncached",
            lambda: read_all(once, keys), lambda: read_all(hot_once, keys), "<= 2 µs")

    mutable = FileDirDict(tempfile.mkdtemp(prefix="bench-cache-", dir=folder))
    mutable.set_many({k: {"i": i} for i, k in enumerate(keys)})
    hot = cached(mutable)
    read_all(hot, keys)
    paths = [os.path.join(mutable.base_dir, mutable._name_of(k)) for k in keys]
    compare(table, "validated hit (folder)", n, repeat, "os.stat",
            lambda: [os.stat(p) for p in paths], lambda: read_all(hot, keys), "<= 1.3x")

    texts = FileDirDict(tempfile.mkdtemp(prefix="bench-cache-", dir=folder))
    texts.set_many({k: f"value {i}" for i, k in enumerate(keys)})
    hot_texts = cached(texts)
    read_all(hot_texts, keys)
    text_paths = [os.path.join(texts.base_dir, texts._name_of(k)) for k in keys]
    compare(table, "validated hit, str values", n, repeat, "os.stat",
            lambda: [os.stat(p) for p in text_paths], lambda: read_all(hot_texts, keys),
            "<= 1.3x")

    cold = cached(mutable, max_bytes=1)
    compare(table, "miss (nothing kept)", n, repeat, "d[k] uncached",
            lambda: read_all(mutable, keys), lambda: read_all(cold, keys), "-")

    big_keys = keys_of(args.big_n)
    big = FileDirDict(tempfile.mkdtemp(prefix="bench-cache-", dir=folder))
    big.set_many({k: os.urandom(1 << 20) for k in big_keys})
    hot_big = cached(big, max_bytes=(args.big_n + 1) << 21)
    read_all(hot_big, big_keys)
    compare(table, "1 MB validated hit (folder)", args.big_n, repeat, "d[k] uncached",
            lambda: read_all(big, big_keys), lambda: read_all(hot_big, big_keys),
            ">= 20x faster", faster=True)

    print(machine_note(folder))
    table.print()


def read_all(d: Any, keys: list[tuple[str, str]]) -> None:
    for k in keys:
        d[k]


if __name__ == "__main__":
    main()
