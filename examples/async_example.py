"""The async twin of a dict. Run: python examples/async_example.py

Every awaitable method runs the dict's own method in a worker thread, so the event
loop keeps serving other tasks while a file or a request is slow.
"""

import asyncio
import tempfile
import time

from persidict import FileDirDict


async def main() -> None:
    d = FileDirDict(tempfile.mkdtemp(prefix="persidict_aio_"))
    ad = d.aio()

    await ad.set_many({("runs", f"run-{i:03d}"): {"loss": 1 / (i + 1)} for i in range(100)})
    losses = await asyncio.gather(*(ad.get(("runs", f"run-{i:03d}")) for i in range(3)))
    print("first three:", [round(v["loss"], 3) for v in losses])

    # Atomic counters from many tasks at once: no update is lost.
    await asyncio.gather(*(ad.incr("finished") for _ in range(50)))
    print("finished:", await ad.get("finished"))

    # A listing is streamed from a worker thread, a chunk at a time.
    best = min([v["loss"] async for v in ad.subdict("runs").values()])
    print("best loss:", round(best, 4), "| runs:", await ad.subdict("runs").len())

    # The loop keeps ticking while a slow transform holds its worker thread.
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.ensure_future(heartbeat())
    await ad.transform("finished", lambda n: time.sleep(0.3) or n + 1)
    beat.cancel()
    print("ticks during a 0.3 s transform > 10:", ticks > 10)

    async with ad.lock("report", timeout=5):  # acquired and released off the loop
        await ad.set("report", "written under the lock")
    print("report:", await ad.get("report"))


if __name__ == "__main__":
    asyncio.run(main())
