"""Cost of the atomic operations against a plain ``d[k] = v``, per backend.

Run ``python bench/bench_atomic.py [--n 300] [--repeat 5] [--backends file local s3]``.
Each row is the best of ``repeat`` rounds of ``n`` operations; the ratio is
against the plain overwrite ``d[k] = v`` of the same backend. The s3 backend
is S3Dict on a moto server on 127.0.0.1 (a child process), so its figures show
request counts and Python costs, not a real S3 network. A backend is a
factory ``(tmp_dir) -> PersiDict``: add one to ``BACKENDS``.
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
sys.path.insert(1, os.path.dirname(HERE))
sys.path.insert(2, os.path.join(os.path.dirname(HERE), "tests"))

from _table import Best, machine_note, rounds_per_backend, timed  # noqa: E402

from persidict import FileDirDict, LocalDict, PersiDict  # noqa: E402

Factory = Callable[[str], PersiDict]


@contextlib.contextmanager
def file_backend() -> Iterator[Factory]:
    yield lambda tmp: FileDirDict(os.path.join(tmp, "file"))


@contextlib.contextmanager
def local_backend() -> Iterator[Factory]:
    yield lambda tmp: LocalDict()


@contextlib.contextmanager
def s3_backend() -> Iterator[Factory]:
    """S3Dict (no local cache) on a moto server on 127.0.0.1, stopped on exit."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from s3_server import MotoServer

    from persidict import S3Dict

    server = MotoServer()
    buckets = iter(range(1_000_000))
    try:
        yield lambda tmp: S3Dict(f"bench-atomic-{next(buckets)}", base_dir=None,
                                 endpoint_url=server.url)
    finally:
        server.stop()


BACKENDS: dict[str, Callable[[], contextlib.AbstractContextManager[Factory]]] = {
    "file": file_backend, "local": local_backend, "s3": s3_backend}


def record(i: int) -> dict[str, Any]:
    """A small value, like a typical record."""
    return {"id": i, "name": f"user{i}", "score": i * 0.5, "tags": ["alpha", "beta"]}


def run_round(best: Best, d: PersiDict, n: int, r: int) -> None:
    """Time each op ``n`` times on fresh keys of round ``r``."""
    keys = [("bench", f"r{r}k{i}") for i in range(n)]
    fresh = [("fresh", f"r{r}k{i}") for i in range(n)]
    value = record(r)
    for k in keys:
        d[k] = value

    def overwrite() -> None:
        for k in keys:
            d[k] = value

    def insert() -> None:
        for k in fresh:
            d[k] = value

    def get() -> None:
        for k in keys:
            d[k]

    def get_with_etag() -> None:
        for k in keys:
            d.get_with_etag(k)

    etags: list[str] = []

    def take_etags() -> None:
        etags[:] = [d.etag(k) for k in keys]

    # each write carries a new value: S3 conditions compare content hashes
    def cas() -> None:
        for i, (k, etag) in enumerate(zip(keys, etags, strict=True)):
            if not d.compare_and_set(k, {**value, "version": f"cas{i}"}, etag):
                raise AssertionError(f"compare_and_set lost on {k}")

    def cas_stale() -> None:  # every etag is old now: each call must refuse
        for i, (k, etag) in enumerate(zip(keys, etags, strict=True)):
            if d.compare_and_set(k, {**value, "version": f"stale{i}"}, etag):
                raise AssertionError(f"compare_and_set won with a stale etag on {k}")

    def add_new() -> None:
        for k in keys:
            if not d.add(("added", *k), value):
                raise AssertionError(k)

    def add_existing() -> None:
        for k in keys:
            if d.add(k, value):
                raise AssertionError(k)

    counter = ("counter", f"r{r}")

    def incr() -> None:
        for _ in keys:
            d.incr(counter)

    def lock() -> None:
        for k in keys:
            with d.lock(k):
                pass

    steps: list[tuple[str, Callable[[], None], Callable[[], None] | None]] = [
        ("d[k] = v (overwrite)", overwrite, None), ("d[k] = v (new key)", insert, None),
        ("d[k]", get, None), ("get_with_etag", get_with_etag, None),
        ("compare_and_set (wins)", cas, take_etags),
        ("compare_and_set (stale etag)", cas_stale, None),
        ("add (new key)", add_new, None), ("add (key exists)", add_existing, None),
        ("incr (one key)", incr, None),
        ("lock acquire+release, first on the key", lock, None),
        ("lock acquire+release, again", lock, None)]
    for label, fn, prepare in steps:
        if prepare is not None:
            prepare()
        best.add(label, timed(fn) / n)
    if d[counter] != n:
        raise AssertionError("incr lost counts")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="operations per round (default 300)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best counts")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-atomic-") as tmp:
        print(machine_note(tmp))
        print(f"{args.n} operations per round, best of {args.repeat} rounds;"
              " ratio = µs/op over the same backend's d[k] = v (overwrite)")
        table = rounds_per_backend(BACKENDS, args.backends, tmp, args.repeat,
                                   lambda best, d, r: run_round(best, d, args.n, r),
                                   "d[k] = v (overwrite)")
        table.print()


if __name__ == "__main__":
    main()
