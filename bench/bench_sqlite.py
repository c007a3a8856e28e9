"""SqliteDict against FileDirDict and ``diskcache.Index`` (the baseline), in one run.

Run ``python bench/bench_sqlite.py [--n 10000] [--repeat 3]``; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import diskcache
from _table import Best, Table, machine_note, timed

from persidict import FileDirDict, SqliteDict

GROUPS = 16
OPS = ["set", "overwrite", "get", "len", "iterate keys", "newest_keys(10)"]


class Contestant:
    """One store under the same operations: ``d[k] = v``, ``d[k]``, ``len``,
    key iteration, and the 10 newest keys."""

    def __init__(self, name: str, d: Any, newest: Callable[[], list[Any]]) -> None:
        self.name, self.d, self.newest = name, d, newest


def contestants(folder: str) -> list[Contestant]:
    index = diskcache.Index(os.path.join(folder, "diskcache"))
    sqlite = SqliteDict(os.path.join(folder, "persidict.db"))
    files = FileDirDict(os.path.join(folder, "files"))
    return [
        # Index keeps insertion order: its last 10 keys are what newest_keys answers.
        Contestant("diskcache.Index", index,
                   lambda: list(itertools.islice(reversed(index), 10))),
        Contestant("SqliteDict", sqlite, lambda: sqlite.newest_keys(10)),
        Contestant("FileDirDict", files, lambda: files.newest_keys(10)),
    ]


def run_round(c: Contestant, keys: list[tuple[str, str]], best: Best) -> None:
    d, n = c.d, len(keys)
    value = {"name": "run", "loss": 0.25, "tags": ["a", "b"]}

    def set_all() -> None:
        for k in keys:
            d[k] = value

    def get_all() -> None:
        for k in keys:
            d[k]

    best.add(f"{c.name}:set", timed(set_all) / n)
    best.add(f"{c.name}:overwrite", timed(set_all) / n)
    best.add(f"{c.name}:get", timed(get_all) / n)
    best.add(f"{c.name}:len", timed(lambda: len(d)))
    best.add(f"{c.name}:iterate keys", timed(lambda: sum(1 for _ in d)))
    best.add(f"{c.name}:newest_keys(10)", timed(c.newest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="keys per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (best one counts)")
    parser.add_argument("--dir", default=None, help="where the stores go (default: temp)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-sqlite-", dir=args.dir)
    print(machine_note(folder))
    best = Best()
    names: list[str] = []
    try:
        for r in range(args.repeat):
            keys = [(f"g{i % GROUPS:02}", f"r{r}k{i:07}") for i in range(args.n)]
            round_dir = os.path.join(folder, f"round{r}")
            for c in contestants(round_dir):
                names = names if c.name in names else [*names, c.name]
                run_round(c, keys, best)
            shutil.rmtree(round_dir)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = names[0]
    table = Table(["operation", *(f"{n} (us)" for n in names),
                   *(f"{n} / {base}" for n in names[1:])])
    for op in OPS:
        times = [best[f"{n}:{op}"] * 1e6 for n in names]
        table.add(op + ("" if op in ("set", "overwrite", "get") else f" ({args.n:,} keys)"),
                  *times, *(t / times[0] for t in times[1:]))
    print(f"best of {args.repeat} rounds; per key for set/overwrite/get, per call otherwise")
    table.print()


if __name__ == "__main__":
    main()
