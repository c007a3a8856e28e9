"""AsyncPersiDict: 1,000 ``ad.get`` s gathered at once against awaited one by one.

Run ``python bench/bench_aio.py [--n 1000] [--latency 0.010] [--rounds 2] [--no-s3]``.
Every read pays ``latency`` seconds more: on a folder a store wrapper sleeps that
long in each read (an NFS or object-store round trip); on S3 the local moto endpoint
holds each request that long. Rows: ``asyncio.gather`` of ``n`` reads (the thread
pool overlaps them) and the same reads awaited one at a time; ratio = one by one /
gathered (the speed-up; target >= 5). With aiobotocore importable, a last row
gathers the same GetObjects through aiobotocore's native async client, for the
choice the README explains. Best of ``rounds``, taken in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _paths  # noqa: F401 - the checkout, tests/ and fake credentials first
from _table import Best, Table, machine_note, timed

from persidict import PersiDict, S3Dict
from persidict.aio import AsyncPersiDict
from persidict.stores import FileStore


class SlowFileStore(FileStore):
    """A folder whose every read takes ``latency`` seconds more."""

    def __init__(self, root: str, latency: float) -> None:
        super().__init__(root)
        self.latency = latency

    def read(self, name: str) -> bytes:
        time.sleep(self.latency)
        return super().read(name)


def gathered(ad: AsyncPersiDict, keys: list[str]) -> Callable[[], object]:
    async def reads() -> list[Any]:
        return await asyncio.gather(*(ad.get(k) for k in keys))
    return lambda: asyncio.run(reads())


def one_by_one(ad: AsyncPersiDict, keys: list[str]) -> Callable[[], object]:
    async def reads() -> list[Any]:
        return [await ad.get(k) for k in keys]
    return lambda: asyncio.run(reads())


def measure(table: Table, label: str, ad: AsyncPersiDict, keys: list[str],
            rounds: int) -> None:
    best = Best()
    for _ in range(rounds):
        best.time("gather", gathered(ad, keys))
        best.time("serial", one_by_one(ad, keys))
    ratio = best["serial"] / best["gather"]
    table.add(f"{label}: {len(keys)} gets", best["gather"], best["serial"], ratio,
              "ok" if ratio >= 5 else "MISS")


def aiobotocore_row(table: Table, url: str, bucket: str, names: list[str],
                    rounds: int) -> None:
    try:
        from aiobotocore.session import get_session
    except ImportError:
        table.add("aiobotocore GetObject (not installed)", "-", "-", "-", "")
        return
    from botocore.config import Config

    async def reads(together: bool) -> float:
        config = Config(max_pool_connections=64)
        async with get_session().create_client("s3", endpoint_url=url,
                                               config=config) as client:
            async def get(name: str) -> bytes:
                answer = await client.get_object(Bucket=bucket, Key=name)
                async with answer["Body"] as body:
                    return bytes(await body.read())

            await get(names[0])  # connect, load the service model
            start = time.perf_counter()
            if together:
                await asyncio.gather(*(get(n) for n in names))
            else:
                for n in names:
                    await get(n)
            return time.perf_counter() - start

    best = Best()
    for _ in range(rounds):
        best.add("gather", asyncio.run(reads(True)))
        best.add("serial", asyncio.run(reads(False)))
    ratio = best["serial"] / best["gather"]
    table.add(f"aiobotocore GetObject: {len(names)}", best["gather"], best["serial"], ratio,
              "ok" if ratio >= 5 else "MISS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.010)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-s3", action="store_true", help="the folder row only")
    args = parser.parse_args()
    keys = [f"k{i:05d}" for i in range(args.n)]
    table = Table(["row", "gather s", "one by one s", "ratio", "target >=5"])
    with tempfile.TemporaryDirectory() as folder:
        print(machine_note(folder))
        fast = PersiDict(FileStore(folder))
        fast.set_many({k: {"i": i} for i, k in enumerate(keys)})
        slow = AsyncPersiDict(PersiDict(SlowFileStore(folder, args.latency)))
        measure(table, f"folder, +{args.latency * 1000:.0f} ms a read", slow, keys, args.rounds)
    if not args.no_s3:
        run_s3(table, keys, args)
    table.print()


def run_s3(table: Table, keys: list[str], args: argparse.Namespace) -> None:
    from s3_server import MotoServer

    server = MotoServer()
    try:
        d = S3Dict("bench-aio", base_dir=None, endpoint_url=server.url)
        d.set_many({k: {"i": i} for i, k in enumerate(keys)})
        server.set_faults(latency=args.latency)
        label = f"S3 (moto), +{args.latency * 1000:.0f} ms a request"
        measure(table, label, AsyncPersiDict(d), keys, args.rounds)
        blocking = timed(lambda: [d[k] for k in keys])
        table.add(f"S3 blocking d[k] loop: {len(keys)}", "-", blocking, "-", "")
        aiobotocore_row(table, server.url, "bench-aio", [f"{k}.pkl" for k in keys],
                        args.rounds)
    finally:
        server.set_faults()
        server.stop()


if __name__ == "__main__":
    main()
