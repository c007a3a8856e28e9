"""Sort-key queries against a full listing of the partition, on a folder and on S3.

Run ``python bench/bench_query.py [--n 10000] [--repeat 5]``. One partition of ``n``
items keyed by time stamps (``("events", "2024-06-01T000100")``, ten months), next to
another partition. Each row is a query and the naive way to the same answer, measured
in the same run: list the whole partition, filter and sort it in Python
(``sorted(k for k in d.get_subdict(p) if ...)``), then read the values wanted.
``speed-up`` = naive / query; S3 rows also count the requests each side sends (moto's
server on 127.0.0.1, as in ``bench_s3.py``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
from _table import Table, best_of, machine_note
from s3_server import MotoServer

from persidict import FileDirDict, PersiDict, S3Dict

P = "events"


def stamps(n: int) -> list[str]:
    per_month = max(n // 10, 1)
    return [f"2024-{1 + i // per_month:02d}-{1 + i % per_month // 40:02d}T{i % 40:04d}00"
            for i in range(n)]


def naive(d: PersiDict, keep: Callable[[str], bool], reverse: bool = False,
          limit: int | None = None) -> list[Any]:
    keys = sorted((k for k in d.get_subdict(P) if keep(k[0])), reverse=reverse)
    return [(P, *k) for k in keys[:limit]]


def cases(d: PersiDict) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    def june(s: str) -> bool:
        return s.startswith("2024-06")

    def one_day(s: str) -> bool:
        return "2024-06-10" <= s < "2024-06-11"

    def values(keys: list[Any]) -> list[Any]:
        return [(k, d[k]) for k in keys]

    return [
        ("query_keys(p, starts_with=month, limit=10)",
         lambda: list(d.query_keys(P, starts_with="2024-06", limit=10)),
         lambda: naive(d, june, limit=10)),
        ("query_keys(p, start=day, stop=next day)",
         lambda: list(d.query_keys(P, start="2024-06-10", stop="2024-06-11")),
         lambda: naive(d, one_day)),
        ("query(p, starts_with=month, limit=10)",
         lambda: list(d.query(P, starts_with="2024-06", limit=10)),
         lambda: values(naive(d, june, limit=10))),
        ("query_keys(p, starts_with=month, reverse, limit=10)",
         lambda: list(d.query_keys(P, starts_with="2024-06", reverse=True, limit=10)),
         lambda: naive(d, june, reverse=True, limit=10)),
        ("query_keys(p, limit=10)",
         lambda: list(d.query_keys(P, limit=10)),
         lambda: naive(d, lambda _: True, limit=10)),
        ("query_keys(p) (all, in order)",
         lambda: list(d.query_keys(P)),
         lambda: naive(d, lambda _: True)),
    ]


def measure(d: PersiDict, repeat: int, requests_of: Callable[[Callable[[], object]], int] | None,
            ) -> None:
    if requests_of:
        table = Table(["operation", "requests", "query ms", "requests", "full listing ms",
                       "speed-up"])
    else:
        table = Table(["operation", "query ms", "full listing ms", "speed-up"])
    for label, fast, slow in cases(d):
        assert fast() == slow(), label
        fast_ms, slow_ms = best_of(fast, repeat) * 1e3, best_of(slow, repeat) * 1e3
        speed_up = f"{slow_ms / fast_ms:.1f}x"
        if requests_of:
            table.add(label, requests_of(fast), fast_ms, requests_of(slow), slow_ms, speed_up)
        else:
            table.add(label, fast_ms, slow_ms, speed_up)
    table.print()


def fill(d: PersiDict, n: int) -> None:
    d.set_many({(P, s): i for i, s in enumerate(stamps(n))})
    d.set_many({("other", f"{i:05d}"): i for i in range(max(n // 10, 1))})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(machine_note(folder))
        d = FileDirDict(os.path.join(folder, "d"))
        fill(d, args.n)
        print(f"\nFileDirDict, {args.n:,} items in the partition (best of {args.repeat}):")
        measure(d, args.repeat, None)
    server = MotoServer()
    try:
        s3 = S3Dict("bench-query", base_dir=None, endpoint_url=server.url)
        fill(s3, args.n)

        def requests_of(fn: Callable[[], object]) -> int:
            before = server.served()
            fn()
            return server.served() - before

        print(f"\nS3Dict on {server.url} (moto, threaded), {args.n:,} items in the partition,"
              f" LIST pages of 1,000 (best of {args.repeat}):")
        measure(s3, args.repeat, requests_of)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
