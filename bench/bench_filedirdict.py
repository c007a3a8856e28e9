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
        self.tag = "naive"
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

    def walk(self, folder: str = "", parts: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        """Yield the relative path parts (suffix cut) of every value file: a bare walk."""
        cut = len(self.suffix)
        with os.scandir(folder or self.root) as entries:
            for entry in entries:
                if entry.is_dir():
                    yield from self.walk(entry.path, (*parts, entry.name))
                elif entry.name.endswith(self.suffix):
                    yield (*parts, entry.name[:-cut])

    def walk_entries(self, folder: str = "", parts: tuple[str, ...] = ()) -> Iterator[
            tuple[tuple[str, ...], os.DirEntry[str]]]:
        """As :meth:`walk`, with each file's directory entry (to stat it)."""
        cut = len(self.suffix)
        with os.scandir(folder or self.root) as entries:
            for entry in entries:
                if entry.is_dir():
                    yield from self.walk_entries(entry.path, (*parts, entry.name))
                elif entry.name.endswith(self.suffix):
                    yield (*parts, entry.name[:-cut]), entry

    def len(self) -> int:
        return sum(1 for _ in self.walk())

    def keys(self) -> Iterator[tuple[str, ...]]:
        return self.walk()

    def items(self) -> Iterator[tuple[tuple[str, ...], Any]]:
        return ((parts, self.get(parts)) for parts in self.walk())

    def reopen(self) -> NaiveStore:
        return NaiveStore(self.root, self.suffix[1:], self.dumps, self.loads)

    def newest_keys(self, n: int) -> list[tuple[str, ...]]:
        stamped = ((entry.stat().st_mtime, parts) for parts, entry in self.walk_entries())
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


def run_round(best: Best, sides: dict[str, Any], keys: list[tuple[str, str]],
              missing: list[tuple[str, str]], new_missing: dict[str, list[tuple[str, str]]],
              values: list[Any], newer: list[Any], chunk: int = 50) -> None:
    """Time every op on each side (the naive store, FileDirDict via an adapter).

    The sides take turns every ``chunk`` keys (whole-dict ops: every call), so
    a slow moment of the shared disk or CPU hits both alike.
    """
    spans = [(i, min(i + chunk, len(keys))) for i in range(0, len(keys), chunk)]

    def per_key(label: str, op: Callable[[Any, int, int], object]) -> None:
        total = dict.fromkeys(sides, 0.0)
        for i, j in spans:
            for tag, d in sides.items():
                total[tag] += timed(lambda d=d, i=i, j=j: op(d, i, j))
        for tag in sides:
            if label:  # the unlabelled op only warms up
                best.add(f"{tag}/{label}", total[tag])

    def whole(label: str, op: Callable[[Any], object], calls: int = 2) -> None:
        for _ in range(calls):
            for tag, d in sides.items():
                best.add(f"{tag}/{label}", timed(lambda d=d: op(d)))

    def insert(d: Any, i: int, j: int) -> None:
        for k, v in zip(keys[i:j], values[i:j], strict=True):
            d.set(k, v)

    def overwrite(d: Any, i: int, j: int) -> None:
        for k, v in zip(keys[i:j], newer[i:j], strict=True):
            d.set(k, v)

    def get(d: Any, i: int, j: int) -> None:
        for k in keys[i:j]:
            d.get(k)

    def hit(d: Any, i: int, j: int) -> None:
        for k in keys[i:j]:
            if not d.contains(k):
                raise AssertionError(k)

    def miss(d: Any, i: int, j: int) -> None:
        for k in missing[i:j]:
            if d.contains(k):
                raise AssertionError(k)

    def miss_new(d: Any, i: int, j: int) -> None:
        for k in new_missing[d.tag][i:j]:
            if d.contains(k):
                raise AssertionError(k)

    def stamp(d: Any, i: int, j: int) -> None:
        for k in keys[i:j]:
            d.timestamp(k)

    def delete(d: Any, i: int, j: int) -> None:
        for k in keys[i:j]:
            d.delete(k)

    gc.collect()
    gc.disable()
    try:
        per_key("insert", insert)
        per_key("overwrite", overwrite)
        per_key("get", get)
        per_key("contains hit", hit)
        per_key("", miss)
        per_key("contains miss", miss)
        per_key("contains miss, new key", miss_new)
        per_key("timestamp", stamp)
        whole("len", lambda d: d.len())
        whole("iterate keys", lambda d: consume(d.keys()))
        whole("iterate keys, new handle", lambda d: consume(d.reopen().keys()))
        whole("iterate items", lambda d: consume(d.items()))
        whole("newest_keys(10)", lambda d: d.newest_keys(10))
        per_key("delete", delete)
    finally:
        gc.enable()
    for d in sides.values():
        if d.len() != 0:
            raise AssertionError("delete left items behind")


class DictAdapter:
    """The naive store's method names, over a FileDirDict."""

    tag = "ours"

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


def bench(file_type: str, n: int, repeat: int, folder: str, digest_len: int) -> Best:
    values = [record(i) for i in range(n)]
    newer = [record(i, 1) for i in range(n)]
    dumps, loads = formats(file_type)
    best = Best()
    for r in range(repeat):
        # keys new to this process in every round, as they would be in a fresh one
        keys = [(f"g{i % GROUPS:02d}", f"k{r}x{i:06d}") for i in range(n)]
        missing = [(f"g{i % GROUPS:02d}", f"absent{r}x{i:06d}") for i in range(n)]
        new_missing = {tag: [(f"g{i % GROUPS:02d}", f"new{tag}{r}x{i:06d}") for i in range(n)]
                       for tag in ("naive", "ours")}
        roots = {tag: tempfile.mkdtemp(prefix=f"bench-{tag}-", dir=folder)
                 for tag in ("naive", "ours")}
        sides = {"naive": NaiveStore(roots["naive"], file_type, dumps, loads),
                 "ours": DictAdapter(FileDirDict(roots["ours"], file_type=file_type,
                                                 digest_len=digest_len))}
        if r % 2:  # neither side always goes first
            sides = dict(reversed(sides.items()))
        try:
            run_round(best, sides, keys, missing, new_missing, values, newer)
        finally:
            for root in roots.values():
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
    parser.add_argument("--digest-len", type=int, default=8,
                        help="FileDirDict's digest_len (default 8, as FileDirDict's own)")
    parser.add_argument("--quick", action="store_true", help="N=1000, 2 rounds: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeat = [1000], 2
    folder = args.dir or tempfile.gettempdir()
    print(machine_note(folder))
    print(f"keys: 2 parts over {GROUPS} folders; values: small dicts; digest_len"
          f" {args.digest_len}; best of {args.repeat} rounds")
    misses = 0
    for file_type in args.file_type:
        results = {n: bench(file_type, n, args.repeat, folder, args.digest_len)
                   for n in args.n}
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
