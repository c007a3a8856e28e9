"""Cost of a change through a proxy against a naive read-modify-write, per backend.

Run ``python bench/bench_proxy.py [--n 200] [--repeat 5] [--backends file s3]``.
Each row is the best of ``repeat`` rounds of ``n`` changes of one field of a small
record; the ratio is against the naive ``v = d[k]; v["age"] += 1; d[k] = v`` on the
same backend (which loses updates when two processes do it at once). The s3 backend
is S3Dict on a moto server on 127.0.0.1 (a child process).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _paths  # noqa: E402, F401 - the checkout's package and tests/ on sys.path
from _table import Best, machine_note, rounds_per_backend, timed  # noqa: E402

from persidict import FileDirDict, PersiDict  # noqa: E402

Factory = Callable[[str], PersiDict]


@contextlib.contextmanager
def file_backend() -> Iterator[Factory]:
    yield lambda tmp: FileDirDict(os.path.join(tmp, "file"))


@contextlib.contextmanager
def s3_backend() -> Iterator[Factory]:
    """S3Dict (no local cache) on a moto server on 127.0.0.1, stopped on exit."""
    from s3_server import MotoServer

    from persidict import S3Dict

    server = MotoServer()
    try:
        yield lambda tmp: S3Dict("bench-proxy", base_dir=None, endpoint_url=server.url)
    finally:
        server.stop()


BACKENDS: dict[str, Callable[[], contextlib.AbstractContextManager[Factory]]] = {
    "file": file_backend, "s3": s3_backend}
NAIVE = 'naive: v = d[k]; v["age"] += 1; d[k] = v'


def record() -> dict[str, Any]:
    return {"name": "dennis", "age": 0, "city": "Oslo", "tags": ["alpha", "beta"]}


def run_round(best: Best, d: PersiDict, n: int, r: int) -> None:
    key = f"r{r}"
    d[key] = record()

    def naive() -> None:
        for _ in range(n):
            v = d[key]
            v["age"] += 1
            d[key] = v

    def transform() -> None:
        def older(v: dict[str, Any]) -> dict[str, Any]:
            return {**v, "age": v["age"] + 1}

        for _ in range(n):
            d.transform(key, older)

    def open_proxy() -> None:
        for _ in range(n):
            d.proxy(key)

    def at_once() -> None:
        p = d.proxy(key)  # opened now: a proxy's own field values win over later writes
        for _ in range(n):
            p.age += 1

    def commit_every_10() -> None:
        deferred = d.proxy(key, save_on_change=False)
        for i in range(n):
            deferred.age += 1
            if i % 10 == 9:
                deferred.commit()
        deferred.commit()

    for label, fn in [(NAIVE, naive), ("d.transform(k, fn)", transform),
                      ("d.proxy(k) (open: one read)", open_proxy),
                      ("p.age += 1 (saved at once)", at_once),
                      ("p.age += 1, commit() every 10", commit_every_10)]:
        best.add(label, timed(fn) / n)
    if d[key]["age"] != 4 * n:  # every row but the opening added n
        raise AssertionError(f"lost updates: {d[key]['age']} != {4 * n}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="changes per round (default 200)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best counts")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp:
        print(machine_note(tmp))
        print(f"{args.n} changes per round, best of {args.repeat} rounds;"
              " ratio = µs/change over the naive read-modify-write")
        table = rounds_per_backend(BACKENDS, args.backends, tmp, args.repeat,
                                   lambda best, d, r: run_round(best, d, args.n, r), NAIVE)
        table.print()


if __name__ == "__main__":
    main()
