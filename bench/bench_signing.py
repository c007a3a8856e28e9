"""What signing costs: the same operations on a folder dict without and with ``signing_key``,
and what the plain-JSON format costs against the jsonpickle ``json`` format.

Run ``python bench/bench_signing.py [--n 2000] [--repeat 7] [--dir FOLDER] [--cpu]``.
Rows are FileDirDict with keys over 16 folders and small dict values; the two dicts
of a row hold the same items and take turns, best of ``repeat``; ratio = signed /
unsigned (target: at most 1.1x for get and set), or plain_json / json. ``--cpu``
times with this process's CPU time (user + system) instead of the wall clock: on a
machine shared with other busy processes it leaves out the time spent waiting for
a CPU, which the wall clock charges to whichever dict happened to run then.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout first
from _table import Table, machine_note, verdict

from persidict import FileDirDict, PersiDict

GROUPS = 16
TARGET = 1.1
clock = time.perf_counter


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def compare(table: Table, label: str, base: PersiDict, other: PersiDict,
            op: Callable[[PersiDict], object], repeat: int, n: int, target: float | None) -> None:
    best = {"base": float("inf"), "other": float("inf")}
    for _ in range(repeat):  # in turns: a slow moment of the machine hits both
        for tag, d in (("base", base), ("other", other)):
            best[tag] = min(best[tag], best_of(lambda d=d: op(d), 1))
    ratio = best["other"] / best["base"]
    table.add(label, best["base"] * 1e6 / n, best["other"] * 1e6 / n, f"{ratio:.2f}x",
              "-" if target is None else verdict(ratio, target))


def rows(table: Table, n: int, repeat: int, first: str, base: PersiDict, other: PersiDict,
         target: float | None) -> None:
    keys = [(f"g{i % GROUPS:02d}", f"k{i:06d}") for i in range(n)]
    value = {"name": "record", "count": 12, "tags": ["a", "b"], "ratio": 0.5}

    def per_key(op: Callable[[PersiDict, Any], object]) -> Callable[[PersiDict], None]:
        return lambda d: [op(d, k) for k in keys]

    set_value: Callable[[PersiDict, Any], None] = lambda d, k: d.__setitem__(k, value)  # noqa: E731
    compare(table, f"{first}: d[k] = v", base, other, per_key(set_value), repeat, n, target)
    compare(table, f"{first}: d[k]", base, other, per_key(lambda d, k: d[k]), repeat, n,
            target)
    compare(table, f"{first}: d.values() (bulk)", base, other, lambda d: list(d.values()),
            repeat, n, None)
    compare(table, f"{first}: d.add(k, v) (absent)", base, other,
            lambda d: [d.add(("new", f"{i}-{os.urandom(4).hex()}"), value) for i in range(n)],
            repeat, n, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--cpu", action="store_true", help="time with CPU time")
    args = parser.parse_args()
    if args.cpu:
        global clock
        clock = time.process_time
    print(machine_note(args.dir))
    table = Table(["operation", "base µs/key", "other µs/key", "ratio", "target"])
    key = os.urandom(32)

    def fresh(**params: Any) -> PersiDict:
        return FileDirDict(tempfile.mkdtemp(prefix="bench-signing-", dir=args.dir), **params)

    for file_type in ("pkl", "json"):
        rows(table, args.n, args.repeat, f"{file_type}, signed vs unsigned",
             fresh(file_type=file_type), fresh(file_type=file_type, signing_key=key), TARGET)
    rows(table, args.n, args.repeat, "plain_json vs json", fresh(file_type="json"),
         fresh(file_type="plain_json"), None)
    table.print()


if __name__ == "__main__":
    main()
