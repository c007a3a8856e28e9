"""persidict.aio: the awaitable twin of every backend's dict. Each method gives what
the blocking method gives, and the event loop keeps running while it works."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from persidict import KEEP_CURRENT, LocalDict, PersiDict
from persidict.aio import AsyncPersiDict


def run(coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro_fn())


async def ticking_while(work: Coroutine[Any, Any, Any], period: float = 0.005
                        ) -> tuple[Any, int, float]:
    """Run ``work`` next to a heartbeat; return its result, the ticks seen meanwhile
    and the longest gap between two ticks (what a blocked loop would stretch)."""
    ticks, longest, done = 0, 0.0, False

    async def heartbeat() -> None:
        nonlocal ticks, longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(period)
            now = time.perf_counter()
            ticks, longest = ticks + 1, max(longest, now - last)
            last = now

    beat = asyncio.ensure_future(heartbeat())
    await asyncio.sleep(0)  # the heartbeat starts before the work
    try:
        result = await work
    finally:
        done = True
        await beat
    return result, ticks, longest


def test_single_item_twins(pdict: PersiDict) -> None:
    ad = pdict.aio()

    async def main() -> None:
        assert await ad.get("a") is None
        assert await ad.get("a", 7) == 7
        await ad.set("a", [1, 2])
        await ad.set(("b", "c"), "x")
        assert await ad.get("a") == [1, 2]
        assert await ad.getitem(("b", "c")) == "x"
        assert await ad.contains("a")
        assert not await ad.contains("zz")
        assert abs(await ad.timestamp("a") - time.time()) < 30
        assert await ad.len() == 2
        await ad.delete("a")
        with pytest.raises(KeyError):
            await ad.delete("a")
        with pytest.raises(KeyError):
            await ad.getitem("a")
        assert await ad.discard(("b", "c")) is True
        assert await ad.discard(("b", "c")) is False
        assert await ad.setdefault("s", 1) == 1
        assert await ad.setdefault("s", 2) == 1
        assert await ad.pop("s") == 1
        assert await ad.pop("s", None) is None
        with pytest.raises(KeyError):
            await ad.pop("s")

    run(main)
    assert dict(pdict.items()) == {}


def test_atomic_twins(pdict: PersiDict) -> None:
    ad = AsyncPersiDict(pdict)

    async def main() -> None:
        assert await ad.add("w", 1) is True
        assert await ad.add("w", 2) is False
        value, etag = await ad.get_with_etag("w")
        assert value == 1
        assert etag == await ad.etag("w")
        assert await ad.compare_and_set("w", 3, etag) is True
        assert await ad.compare_and_set("w", 4, etag) is False
        assert await ad.compare_and_set("new", 5, None) is True
        assert await asyncio.gather(*(ad.incr("n") for _ in range(20))) is not None
        assert await ad.incr("n", 10) == 30
        assert await ad.transform("w", lambda v: v * 10) == 30
        assert await ad.transform("absent", lambda v: v + 1, default=0) == 1
        with pytest.raises(KeyError):
            await ad.transform("absent2", lambda v: v)
        assert await ad.transform("w", lambda v: KEEP_CURRENT) == 30
        with pytest.raises(TypeError, match="number"):
            await ad.incr("w", "1")  # type: ignore[arg-type]

    run(main)
    assert pdict == {"w": 30, "new": 5, "n": 30, "absent": 1}


def test_bulk_listing_and_time_twins(pdict: PersiDict) -> None:
    ad = pdict.aio()
    items = {("p", f"k{i:04d}"): i for i in range(600)}  # more than one streamed chunk

    async def main() -> None:
        await ad.set_many(items)
        assert await ad.get_many([("p", "k0003"), ("p", "k0599")]) == [3, 599]
        with pytest.raises(KeyError):
            await ad.get_many([("p", "nope")])
        assert sorted([k async for k in ad.keys()]) == sorted(items)  # noqa: SIM118
        assert sorted([k async for k in ad]) == sorted(items)
        assert pdict == dict([kv async for kv in ad.items()]) == items
        assert sorted([v async for v in ad.values()]) == sorted(items.values())
        await ad.set("last", -1)
        assert (await ad.newest_keys(1)) == pdict.newest_keys(1)
        assert len(await ad.oldest_keys(3)) == 3
        sub = ad.subdict("p")
        assert await sub.get("k0007") == 7
        assert await sub.len() == 600
        await ad.clear()
        assert await ad.len() == 0

    run(main)


def test_breaking_out_of_a_stream_stops_listing(pdict: PersiDict) -> None:
    pdict.set_many({f"k{i}": i for i in range(600)})
    ad = pdict.aio()

    async def main() -> list[Any]:
        seen = []
        async for key in ad.keys():
            seen.append(key)
            if len(seen) == 3:
                break
        return seen

    assert len(run(main)) == 3


def test_the_loop_keeps_running_during_a_slow_operation(pdict: PersiDict) -> None:
    ad = pdict.aio()
    pdict["n"] = 1

    def slow_double(v: int) -> int:
        time.sleep(0.3)  # blocks its thread, as a slow request would
        return v * 2

    async def main() -> tuple[Any, int, float]:
        return await ticking_while(ad.transform("n", slow_double))

    result, ticks, longest = run(main)
    assert result == 2
    assert pdict["n"] == 2
    assert ticks >= 10, ticks  # 0.3 s at 5 ms: ~60 ticks, none if the loop was blocked
    assert longest < 0.2, longest


def test_async_lock_waits_off_the_loop_and_releases(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    ad = d.aio()
    other = make_dict()  # another handle on the same store
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with other.lock("k"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)

    async def main() -> tuple[Any, int, float]:
        async def take() -> str:
            asyncio.get_running_loop().call_later(0.3, release.set)
            async with ad.lock("k", timeout=20):
                return "got it"
        return await ticking_while(take())

    result, ticks, longest = run(main)
    holder.join()
    assert result == "got it"
    assert ticks >= 10
    assert longest < 0.2
    with other.lock("k", timeout=5):  # released by the async holder
        pass


def test_a_cancelled_lock_wait_leaves_the_lock_free(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    ad = d.aio()
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        with d.lock("k"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)

    async def main() -> None:
        async def take() -> None:
            async with ad.lock("k", timeout=20):
                raise AssertionError("entered a lock held elsewhere")
        waiting = asyncio.ensure_future(take())
        await asyncio.sleep(0.1)
        waiting.cancel()
        release.set()  # the worker thread now acquires, then must let go
        with pytest.raises(asyncio.CancelledError):
            await waiting

    run(main)
    holder.join()
    with d.lock("k", timeout=5):
        pass


def test_bad_arguments_raise_and_write_nothing(pdict: PersiDict) -> None:
    with pytest.raises(TypeError, match=r"AsyncPersiDict\(d\): d must be a PersiDict, not dict"):
        AsyncPersiDict({})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="executor"):
        AsyncPersiDict(pdict, executor=4)  # type: ignore[arg-type]
    ad = pdict.aio()

    async def main() -> None:
        with pytest.raises(ValueError, match="safe"):
            await ad.set("bad/key", 1)
        with pytest.raises(TypeError):
            await ad.transform("k", "not callable")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="timeout"):
            async with ad.lock("k", timeout=-1):
                pass

    run(main)
    assert len(pdict) == 0


def test_own_executor_is_used() -> None:
    with ThreadPoolExecutor(2, thread_name_prefix="mine") as pool:
        ad = AsyncPersiDict(LocalDict(), executor=pool)

        async def main() -> str:
            return await ad.transform("t", lambda _: threading.current_thread().name,
                                      default=None)

        assert run(main).startswith("mine")


def test_set_with_a_per_item_ttl(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(item_ttl=True)
    ad = d.aio()

    async def main() -> None:
        await ad.set("short", 1, ttl=60)
        await ad.set("long", 2)

    before = time.time()
    run(main)
    expires = d.expires_at("short")
    assert expires is not None
    assert before + 59 < expires < time.time() + 61
    assert d.expires_at("long") is None


def test_ttl_on_a_dict_without_item_ttl_is_refused_and_writes_nothing(pdict: PersiDict) -> None:
    ad = pdict.aio()

    async def main() -> None:
        with pytest.raises((TypeError, ValueError), match="item_ttl"):
            await ad.set("k", 1, ttl=60)

    run(main)
    assert "k" not in pdict


def test_a_wrapper_is_a_persidict_too(make_dict: Callable[..., PersiDict]) -> None:
    from persidict import WriteOnceDict

    ad = WriteOnceDict(make_dict(immutable_items=True)).aio()

    async def main() -> list[Any]:
        await ad.set("k", 1)
        await ad.set("k", 2)  # WriteOnceDict ignores later writes
        return [await ad.get("k"), type(ad.inner).__name__]

    assert run(main) == [1, "WriteOnceDict"]
