"""S3Dict against plain boto3 calls, on a local moto HTTP endpoint.

Run ``python bench/bench_s3.py [--n 1000] [--latency 0.010] [--repeat 50] [--rounds 2]``.
Part 1: requests and milliseconds per operation, next to the boto3 calls
that do the same job (ratio = S3Dict / boto3). Part 2: bulk reads and writes
of ``n`` items with ``latency`` seconds added to every request by the endpoint:
concurrent (S3Dict; ``d.batch()`` in the batch rows, whose deletes are one
DeleteObjects per 1,000 keys) against one request at a time (ratio = one-by-one /
concurrent, i.e. the speed-up), best of ``rounds`` taken in turns. The endpoint
runs on the same machine, so on few cores the concurrent rows are bound by CPU
(botocore's ~1.5 ms per request here, and moto's ~1 ms), not by the added latency.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
from _table import Table, best_of, machine_note, timed
from s3_server import MotoServer

from persidict import DELETE_CURRENT, S3Dict


def per_operation(server: MotoServer, repeat: int, cache_dir: str) -> None:
    d = S3Dict("bench-ops", base_dir=None, endpoint_url=server.url)
    cached = S3Dict("bench-ops", base_dir=cache_dir, endpoint_url=server.url)
    client, bucket = d.s3_store.client, d.s3_store.bucket
    value = list(range(100))
    d["k"] = value
    d["c"] = d["n"] = 0
    d.set_many({("many", str(i)): i for i in range(1000)})
    body = client.get_object(Bucket=bucket, Key="k.pkl")["Body"].read()
    cached["k"] = value

    def requests_of(fn: Callable[[], object]) -> int:
        before = server.served()
        fn()
        return server.served() - before

    def raw_put() -> None:
        client.put_object(Bucket=bucket, Key="raw.pkl", Body=body)

    def raw_get() -> None:
        client.get_object(Bucket=bucket, Key="k.pkl")["Body"].read()

    def raw_head() -> None:
        client.head_object(Bucket=bucket, Key="k.pkl")

    def raw_add_exists() -> None:
        try:
            client.put_object(Bucket=bucket, Key="k.pkl", Body=body, IfNoneMatch="*")
        except client.exceptions.ClientError:
            return
        raise AssertionError("the conditional PUT of an existing object succeeded")

    def raw_read_then_put_if_match(read: Callable[..., Any]) -> Callable[[], None]:
        def run() -> None:
            response = read(Bucket=bucket, Key="raw.pkl")
            if "Body" in response:
                response["Body"].read()
            etag = response["ETag"]
            client.put_object(Bucket=bucket, Key="raw.pkl", Body=body, IfMatch=etag)
        return run

    def raw_list() -> None:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        sum(len(p.get("Contents", ())) for p in pages)

    def cas() -> None:
        if not d.compare_and_set("c", 1, d.etag("c")):
            raise AssertionError("compare_and_set with a fresh etag lost")

    def add_exists() -> None:
        if d.add("k", 1):
            raise AssertionError("add of an existing key won")

    def lock() -> None:
        with d.lock("k"):
            pass

    raw_put()
    rows: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        ("d[k] = v", lambda: d.__setitem__("k", value), raw_put),
        ("d[k]", lambda: d["k"], raw_get),
        ("d[k], cached, unchanged", lambda: cached["k"], raw_get),
        ("k in d", lambda: "k" in d, raw_head),
        ("timestamp(k)", lambda: d.timestamp("k"), raw_head),
        ("add(k) (exists)", add_exists, raw_add_exists),
        ("etag + compare_and_set", cas, raw_read_then_put_if_match(client.head_object)),
        ("incr(k)", lambda: d.incr("n"), raw_read_then_put_if_match(client.get_object)),
        ("lock(k) enter+exit", lock, None),
        (f"len ({len(d):,} keys)", lambda: len(d), raw_list),
        ("newest_keys(10)", lambda: d.newest_keys(10), raw_list),
        ("get_subdict(p)", lambda: d.get_subdict("many"), None),
    ]
    table = Table(["operation", "requests", "ms", "boto3 ms", "ratio"])
    for label, fn, raw in rows:
        requests = requests_of(fn)
        ms = best_of(fn, repeat) * 1e3
        raw_ms = best_of(raw, repeat) * 1e3 if raw else float("nan")
        table.add(label, requests, ms, raw_ms, ms / raw_ms if raw else "-")
    d["gone"] = 1
    table.add("del d[k]", requests_of(lambda: d.__delitem__("gone")), "-", "-", "-")
    table.print()


def in_a_batch(d: S3Dict, keys: list[Any], value: Any) -> None:
    with d.batch() as b:
        for k in keys:
            b[k] = value


def bulk(server: MotoServer, n: int, latency: float, rounds: int) -> None:
    d = S3Dict("bench-bulk", base_dir=None, endpoint_url=server.url)
    serial = S3Dict("bench-bulk", base_dir=None, endpoint_url=server.url, max_workers=1)
    d.set_many({str(i): i for i in range(n)})
    keys = list(d)
    batch_keys = [("batch", str(i)) for i in range(n)]

    def refill() -> None:
        d.set_many(dict.fromkeys(batch_keys, 1))

    server.set_faults(latency=latency)
    try:
        table = Table(["bulk operation", "concurrent s", "client CPU s", "one-by-one s",
                       "speed-up"])
        cases: list[tuple[str, Callable[[], object], Callable[[], object],
                          Callable[[], object] | None]] = [
            (f"items() over {n}", lambda: dict(d.items()),
             lambda: {k: serial[k] for k in serial}, None),
            (f"values() over {n}", lambda: list(d.values()),
             lambda: [serial[k] for k in serial], None),
            (f"get_many({n} keys)", lambda: d.get_many(keys),
             lambda: [serial[k] for k in keys], None),
            (f"set_many({n} items)", lambda: d.set_many(dict.fromkeys(keys, 1)),
             lambda: [serial.__setitem__(k, 1) for k in keys], None),
            (f"batch: {n} writes", lambda: in_a_batch(d, batch_keys, 2),
             lambda: [serial.__setitem__(k, 2) for k in batch_keys], None),
            (f"batch: {n} deletes", lambda: in_a_batch(d, batch_keys, DELETE_CURRENT),
             lambda: [serial.__delitem__(k) for k in batch_keys], refill),
        ]
        for label, concurrent, one_by_one, setup in cases:
            fast = slow = cpu = float("inf")
            for _ in range(rounds):  # in turns: a slow moment of the machine hits both
                if setup:
                    setup()
                cpu_start = time.process_time()
                seconds = timed(concurrent)
                if seconds < fast:
                    fast, cpu = seconds, time.process_time() - cpu_start
                if setup:
                    setup()
                slow = min(slow, timed(one_by_one))
            table.add(label, fast, cpu, slow, f"{slow / fast:.1f}x")
        table.print()
    finally:
        server.set_faults()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.010)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each bulk row")
    args = parser.parse_args()
    server = MotoServer()
    try:
        with tempfile.TemporaryDirectory() as cache_dir:
            print(machine_note(cache_dir) + f", endpoint {server.url} (moto, threaded, keep-alive)")
            print("\nPer operation (local endpoint, no added latency; best of"
                  f" {args.repeat}):")
            per_operation(server, args.repeat, cache_dir)
            print(f"\nBulk, {args.latency * 1e3:.0f} ms added per request,"
                  f" max_workers=16 vs 1, best of {args.rounds}:")
            bulk(server, args.n, args.latency, args.rounds)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
