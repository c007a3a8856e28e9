"""FileDirDict against a naive one-file-per-key store and a plain scandir walk.

Run ``python bench/bench_filedirdict.py [--n 1000 10000] [--quick]``; see
``bench/README.md`` for what each row means.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import os
import pickle
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _table import Best, Table, machine_note, timed, verdict

from persidict import FileDirDict
from persidict.formats import format_for

GROUPS = 16  # keys are ("g<i % GROUPS>", "k<i>"): two parts, 16 folders

# (row label, target ratio, per-key?)
OPS: list[tuple[str, float, bool]] = [
    ("insert", 1.2, True),
    ("overwrite", 1.2, True),
    ("get", 1.2, True),
    ("contains hit", 1.3, True),
    ("contains miss", 1.3, True),
    ("contains miss, new key", 1.3, True),
    ("timestamp", 1.3, True),
    ("delete", 1.2, True),
    ("len", 1.3, False),
    ("iterate keys", 1.3, False),
    ("iterate keys, new handle", 1.3, False),
    ("iterate items", 1.3, False),
    ("newest_keys(10)", 1.3, False),
]


class NaiveStore:
    """What one would write by hand: a file per key, temp file + os.replace, no fsync."""

    def __init__(self, root: str, file_type: str,
                 dumps: Callable[[Any], bytes], loads: Callable[[bytes], Any]) -> None:
        self.root = root
        self.suffix = "." + file_type
        self.dumps = dumps
        self.loads = loads

    def path(self, key: tuple[str, ...]) -> str:
        return self.root + "/" + "/".join(key) + self.suffix

    def set(self, key: tuple[str, ...], value: Any) -> None:
        path = self.path(key)
        data = self.dumps(value)
        temp = path + ".tmp"
        try:
            f = open(temp, "wb")  # noqa: SIM115 - the folder is made on first use
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            f = open(temp, "wb")  # noqa: SIM115
        with f:
            f.write(data)
        os.replace(temp, path)

    def get(self, key: tuple[str, ...]) -> Any:
        with open(self.path(key), "rb") as f:
            return self.loads(f.read())

    def contains(self, key: tuple[str, ...]) -> bool:
        return os.path.exists(self.path(key))

    def timestamp(self, key: tuple[str, ...]) -> float:
        return os.stat(self.path(key)).st_mtime

    def delete(self, key: tuple[str, ...]) -> None:
        os.unlink(self.path(key))

    def walk(self, folder: str = "", parts: tuple[str, ...] = ()) -> Iterator[
            tuple[tuple[str, ...], os.DirEntry[str]]]:
        """Yield (relative path parts without the suffix, entry) for every value file."""
        cut = len(self.suffix)
        with os.scandir(folder or self.root) as entries:
            for entry in entries:
                if entry.is_dir():
                    yield from self.walk(entry.path, (*parts, entry.name))
                elif entry.name.endswith(self.suffix):
                    yield (*parts, entry.name[:-cut]), entry

    def len(self) -> int:
        return sum(1 for _ in self.walk())

    def keys(self) -> Iterator[tuple[str, ...]]:
        return (parts for parts, _ in self.walk())

    def items(self) -> Iterator[tuple[tuple[str, ...], Any]]:
        return ((parts, self.get(parts)) for parts, _ in self.walk())

    def reopen(self) -> NaiveStore:
        return NaiveStore(self.root, self.suffix[1:], self.dumps, self.loads)

    def newest_keys(self, n: int) -> list[tuple[str, ...]]:
        stamped = ((entry.stat().st_mtime, parts) for parts, entry in self.walk())
        return [parts for _, parts in heapq.nlargest(n, stamped)]


def record(i: int, version: int = 0) -> dict[str, Any]:
    """A small value, like a typical record."""
    return {"id": i, "name": f"user{i}", "email": f"user{i}@example.com",
            "score": i * 0.5 + version, "tags": ["alpha", "beta"], "active": True,
            "version": version}


def formats(file_type: str) -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    """The naive store's codec: plain pickle; for json, persidict's own jsonpickle
    codec, so that the ratio measures our overhead, not the format."""
    if file_type == "pkl":
        return pickle.dumps, pickle.loads
    codec = format_for("json")
    return codec.dumps, codec.loads


def consume(iterable: Iterable[Any]) -> None:
    """Iterate to the end, keeping nothing (``list()`` would also call ``len()``)."""
    deque(iter(iterable), maxlen=0)


def run_round(best: Best, tag: str, d: Any, keys: list[tuple[str, str]],
              missing: list[tuple[str, str]], new_missing: list[tuple[str, str]],
              values: list[Any], newer: list[Any]) -> None:
    """Time every op once on ``d`` (the naive store, or a FileDirDict via an adapter)."""
    pairs = list(zip(keys, values, strict=True))
    newer_pairs = list(zip(keys, newer, strict=True))

    def insert() -> None:
        for k, v in pairs:
            d.set(k, v)

    def overwrite() -> None:
        for k, v in newer_pairs:
            d.set(k, v)

    def get() -> None:
        for k in keys:
            d.get(k)

    def hit() -> None:
        for k in keys:
            if not d.contains(k):
                raise AssertionError(k)

    def miss(these: list[tuple[str, str]]) -> Callable[[], None]:
        def check() -> None:
            for k in these:
                if d.contains(k):
                    raise AssertionError(k)
        return check

    def stamp() -> None:
        for k in keys:
            d.timestamp(k)

    def delete() -> None:
        for k in keys:
            d.delete(k)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("insert", insert), ("overwrite", overwrite), ("get", get),
        ("contains hit", hit), ("", miss(missing)), ("contains miss", miss(missing)),
        ("contains miss, new key", miss(new_missing)), ("timestamp", stamp),
        ("len", d.len), ("iterate keys", lambda: consume(d.keys())),
        ("iterate keys, new handle", lambda: consume(d.reopen().keys())),
        ("iterate items", lambda: consume(d.items())),
        ("newest_keys(10)", lambda: d.newest_keys(10)), ("delete", delete),
    ]
    for label, fn in steps:
        gc.collect()
        gc.disable()
        try:
            seconds = timed(fn)
        finally:
            gc.enable()
        if label:  # the unlabelled step only warms up
            best.add(f"{tag}/{label}", seconds)
    if d.len() != 0:
        raise AssertionError("delete left items behind")


class DictAdapter:
    """The naive store's method names, over a FileDirDict."""

    def __init__(self, d: FileDirDict) -> None:
        self.set = d.__setitem__
        self.get = d.__getitem__
        self.contains = d.__contains__
        self.timestamp = d.timestamp
        self.delete = d.__delitem__
        self.len = d.__len__
        self.keys = d.keys
        self.items = d.items
        self.newest_keys = d.newest_keys
        self.reopen = lambda: FileDirDict(**d.get_params())


def bench(file_type: str, n: int, repeat: int, folder: str) -> Best:
    values = [record(i) for i in range(n)]
    newer = [record(i, 1) for i in range(n)]
    dumps, loads = formats(file_type)
    best = Best()
    for r in range(repeat):
        # keys new to this process in every round, as they would be in a fresh one
        keys = [(f"g{i % GROUPS:02d}", f"k{r}x{i:06d}") for i in range(n)]
        missing = [(f"g{i % GROUPS:02d}", f"absent{r}x{i:06d}") for i in range(n)]
        runs = [("naive", lambda root: NaiveStore(root, file_type, dumps, loads)),
                ("ours", lambda root: DictAdapter(FileDirDict(root, file_type=file_type)))]
        if r % 2:
            runs.reverse()  # neither side always runs on the warmer cache
        for tag, make in runs:
            new_missing = [(f"g{i % GROUPS:02d}", f"new{tag}{r}x{i:06d}") for i in range(n)]
            root = tempfile.mkdtemp(prefix=f"bench-{tag}-", dir=folder)
            try:
                run_round(best, tag, make(root), keys, missing, new_missing, values, newer)
            finally:
                shutil.rmtree(root, ignore_errors=True)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000],
                        help="numbers of items (default: 1000 10000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds per N; the best round counts (default 5)")
    parser.add_argument("--file-type", nargs="+", default=["pkl", "json"],
                        choices=["pkl", "json"])
    parser.add_argument("--dir", default=None,
                        help="where to make the test folders (default: the system temp dir)")
    parser.add_argument("--quick", action="store_true", help="N=1000, 2 rounds: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeat = [1000], 2
    folder = args.dir or tempfile.gettempdir()
    print(machine_note(folder))
    print(f"keys: 2 parts over {GROUPS} folders; values: small dicts;"
          f" best of {args.repeat} rounds")
    misses = 0
    for file_type in args.file_type:
        results = {n: bench(file_type, n, args.repeat, folder) for n in args.n}
        table = Table(["op", "N", "unit", "naive", "FileDirDict", "ratio", "target", ""])
        for n, best in results.items():
            for label, target, per_key in OPS:
                naive, ours = best[f"naive/{label}"], best[f"ours/{label}"]
                scale, unit = (1e6 / n, "µs/key") if per_key else (1e3, "ms")
                ok = verdict(ours / naive, target)
                misses += ok != "ok"
                table.add(label, f"{n:,}", unit, naive * scale, ours * scale,
                          f"{ours / naive:.2f}x", f"<= {target}x", ok)
        print(f"\nfile_type={file_type!r}")
        table.print()
        if len(results) > 1:
            misses += print_growth(results)
    print(f"\n{misses} target(s) missed")


def print_growth(results: dict[int, Best]) -> int:
    """Per-key cost at the largest N over the smallest: O(1) means about 1x."""
    small, large = min(results), max(results)
    table = Table(["per-key op", f"naive {large:,}/{small:,}",
                   f"FileDirDict {large:,}/{small:,}", ""])
    misses = 0
    for label, _, per_key in OPS:
        if not per_key:
            continue
        grow = [results[large][f"{tag}/{label}"] / large
                / (results[small][f"{tag}/{label}"] / small) for tag in ("naive", "ours")]
        # O(1) in N: our cost grows no more than the file system's own (with 10% slack)
        ok = verdict(grow[1], max(1.1, grow[0] * 1.1))
        misses += ok != "ok"
        table.add(label, f"{grow[0]:.2f}x", f"{grow[1]:.2f}x", ok)
    print()
    table.print()
    return misses


if __name__ == "__main__":
    main()
