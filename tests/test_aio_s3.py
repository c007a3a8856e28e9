"""persidict.aio on S3 over HTTP, counted and timed at the endpoint: gathered reads
overlap, a slow request does not stall the loop, a listing is streamed page by page."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from s3_server import MotoServer
from test_aio import ticking_while

from persidict import S3Dict


@pytest.fixture
def server(s3_server: MotoServer) -> Iterator[MotoServer]:
    yield s3_server
    s3_server.set_faults()


@pytest.fixture
def d(server: MotoServer) -> S3Dict:
    return S3Dict(f"aio-{uuid.uuid4().hex[:12]}", base_dir=None, endpoint_url=server.url)


def test_gathered_gets_overlap_their_latency(d: S3Dict, server: MotoServer) -> None:
    d.set_many({f"k{i}": i for i in range(40)})
    ad = d.aio()
    server.set_faults(latency=0.1)

    async def main() -> list[int]:
        return await asyncio.gather(*(ad.get(f"k{i}") for i in range(40)))

    start = time.perf_counter()
    assert asyncio.run(main()) == list(range(40))
    assert time.perf_counter() - start < 2.0  # one by one: 40 x 0.1 s = 4 s at least


def test_a_slow_request_does_not_stall_the_loop(d: S3Dict, server: MotoServer) -> None:
    d["k"] = 1
    ad = d.aio()
    server.set_faults(latency=0.3)

    async def main() -> tuple[object, int, float]:
        return await ticking_while(ad.get("k"))

    value, ticks, longest = asyncio.run(main())
    assert value == 1
    assert ticks >= 10
    assert longest < 0.2


def test_a_listing_is_streamed_a_page_at_a_time(d: S3Dict, server: MotoServer) -> None:
    d.set_many({f"k{i:04d}": i for i in range(1500)})  # two LIST pages
    ad = d.aio()

    async def first_key() -> object:
        async for key in ad.keys():
            return key
        return None

    async def all_keys() -> int:
        return len([key async for key in ad.keys()])  # noqa: SIM118

    before = server.served()
    assert asyncio.run(first_key()) == "k0000"
    assert server.served() - before == 1  # the first page only
    before = server.served()
    assert asyncio.run(all_keys()) == 1500
    assert server.served() - before == 2
