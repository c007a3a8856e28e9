"""The awaitable twin of a PersiDict: every method runs the dict's own blocking
method in a worker thread, so the event loop never waits on a file or a request.

A thread pool over the existing stores, not a native async S3 client: the stores
already hold every guarantee (atomic writes, write-id chains, retries), and the
README's "Async" section gives the measurement that decided it. Listings are
streamed: a worker thread pulls one chunk of the dict's own iterator at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple

R = TypeVar("R")
_MISSING: Any = object()
DEFAULT_THREADS = 64  # enough to overlap 64 requests; asyncio's default pool has cpus + 4
_CHUNK = 256  # items a listing hands over per trip to a worker thread

_shared_pool: ThreadPoolExecutor | None = None
_shared_guard = threading.Lock()


def _default_executor() -> ThreadPoolExecutor:
    global _shared_pool
    with _shared_guard:
        if _shared_pool is None:
            _shared_pool = ThreadPoolExecutor(DEFAULT_THREADS, thread_name_prefix="persidict-aio")
        return _shared_pool


class AsyncPersiDict:
    """Awaitable twins of a :class:`PersiDict`'s methods.

    Each call runs the dict's method in a thread of ``executor`` (by default a
    pool of 64 threads shared by every AsyncPersiDict of the process), so the
    guarantees are the dict's own. ``inner`` is the dict.

    >>> import asyncio
    >>> from persidict import LocalDict
    >>> ad = AsyncPersiDict(LocalDict())
    >>> async def main():
    ...     await ad.set("a", 1)
    ...     return await ad.get("a"), await ad.incr("n"), [k async for k in ad.keys()]
    >>> asyncio.run(main())
    (1, 1, [SafeStrTuple('a'), SafeStrTuple('n')])

    Raises:
        TypeError: if ``d`` is not a PersiDict or ``executor`` not an Executor.
    """

    __slots__ = ("_executor", "inner")

    def __init__(self, d: PersiDict, *, executor: Executor | None = None) -> None:
        if not isinstance(d, PersiDict):
            raise TypeError(f"AsyncPersiDict(d): d must be a PersiDict, not {type(d).__name__}")
        if executor is not None and not isinstance(executor, Executor):
            raise TypeError(f"AsyncPersiDict(executor=...): executor must be a"
                            f" concurrent.futures.Executor, not {type(executor).__name__}")
        self.inner = d
        self._executor = executor

    def __repr__(self) -> str:
        return f"AsyncPersiDict({self.inner!r})"

    async def _run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs) if kwargs else functools.partial(fn, *args)
        return await loop.run_in_executor(self._executor or _default_executor(), call)

    # --- single items

    async def get(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        """``d.get(key, default)``."""
        return await self._run(self.inner.get, key, default)

    async def getitem(self, key: NonEmptySafeStrTuple) -> Any:
        """``d[key]``; ``KeyError`` if absent."""
        return await self._run(self.inner.__getitem__, key)

    async def set(self, key: NonEmptySafeStrTuple, value: Any, *,
                  ttl: float | None = None) -> None:
        """``d.set(key, value, ttl=ttl)`` (``d[key] = value`` without ``ttl``)."""
        await self._run(self.inner.set, key, value, ttl=ttl)

    async def delete(self, key: NonEmptySafeStrTuple) -> None:
        """``del d[key]``; ``KeyError`` if absent."""
        await self._run(self.inner.__delitem__, key)

    async def discard(self, key: NonEmptySafeStrTuple) -> bool:
        """``d.discard(key)``: delete if present; return whether it was."""
        return await self._run(self.inner.discard, key)

    async def contains(self, key: NonEmptySafeStrTuple) -> bool:
        """``key in d``."""
        return await self._run(self.inner.__contains__, key)

    async def timestamp(self, key: NonEmptySafeStrTuple) -> float:
        """``d.timestamp(key)``."""
        return await self._run(self.inner.timestamp, key)

    async def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        """``d.pop(key[, default])``."""
        if default is _MISSING:
            return await self._run(self.inner.pop, key)
        return await self._run(self.inner.pop, key, default)

    async def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        """``d.setdefault(key, default)`` (atomic)."""
        return await self._run(self.inner.setdefault, key, default)

    # --- atomic read-modify-writes

    async def etag(self, key: NonEmptySafeStrTuple) -> str:
        """``d.etag(key)``."""
        return await self._run(self.inner.etag, key)

    async def get_with_etag(self, key: NonEmptySafeStrTuple) -> tuple[Any, str]:
        """``d.get_with_etag(key)``."""
        return await self._run(self.inner.get_with_etag, key)

    async def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        """``d.add(key, value)``: insert only if absent; return whether it did."""
        return await self._run(self.inner.add, key, value)

    async def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any,
                              etag: str | None) -> bool:
        """``d.compare_and_set(key, value, etag)``."""
        return await self._run(self.inner.compare_and_set, key, value, etag)

    async def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
                   default: int | float = 0) -> Any:
        """``d.incr(key, delta, default)``."""
        return await self._run(self.inner.incr, key, delta, default)

    async def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                        default: Any = _MISSING, retries: int = 1000) -> Any:
        """``d.transform(key, fn, ...)``; ``fn`` is a plain function, run in the worker
        thread (it may run several times)."""
        if default is _MISSING:
            return await self._run(self.inner.transform, key, fn, retries=retries)
        return await self._run(self.inner.transform, key, fn, default=default, retries=retries)

    def lock(self, key: NonEmptySafeStrTuple, timeout: float | None = None) -> _AsyncLock:
        """``async with ad.lock(key, timeout):`` as ``with d.lock(key, timeout):``,
        acquired and released in a worker thread. Bad arguments raise here."""
        return _AsyncLock(self, self.inner.lock(key, timeout))

    # --- many items

    async def get_many(self, keys: Iterable[NonEmptySafeStrTuple]) -> list[Any]:
        """``d.get_many(keys)``."""
        return await self._run(self.inner.get_many, keys)

    async def set_many(self, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> None:
        """``d.set_many(items)``."""
        await self._run(self.inner.set_many, items)

    async def len(self) -> int:
        """``len(d)``."""
        return await self._run(self.inner.__len__)

    async def clear(self) -> None:
        """``d.clear()``."""
        await self._run(self.inner.clear)

    async def newest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        """``d.newest_keys(max_n)``."""
        return await self._run(self.inner.newest_keys, max_n)

    async def oldest_keys(self, max_n: int | None = None) -> list[SafeStrTuple]:
        """``d.oldest_keys(max_n)``."""
        return await self._run(self.inner.oldest_keys, max_n)

    def keys(self) -> AsyncIterator[SafeStrTuple]:
        """``async for key in ad.keys()``, streamed a chunk at a time."""
        return self._stream(lambda: iter(self.inner.keys()))

    def items(self) -> AsyncIterator[tuple[SafeStrTuple, Any]]:
        """``async for key, value in ad.items()``, streamed a chunk at a time."""
        return self._stream(lambda: iter(self.inner.items()))

    def values(self) -> AsyncIterator[Any]:
        """``async for value in ad.values()``, streamed a chunk at a time."""
        return self._stream(lambda: iter(self.inner.values()))

    def __aiter__(self) -> AsyncIterator[SafeStrTuple]:
        return self.keys()

    async def _stream(self, start: Callable[[], Iterator[R]]) -> AsyncIterator[R]:
        iterator = await self._run(start)
        try:
            while chunk := await self._run(_next_chunk, iterator):
                for item in chunk:
                    yield item
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                await self._run(close)

    def subdict(self, prefix: NonEmptySafeStrTuple) -> AsyncPersiDict:
        """The AsyncPersiDict of ``d.get_subdict(prefix)`` (no I/O)."""
        return AsyncPersiDict(self.inner.get_subdict(prefix), executor=self._executor)


def _next_chunk(iterator: Iterator[R]) -> list[R]:
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) >= _CHUNK:
            break
    return chunk


class _AsyncLock:
    """The async context manager of :meth:`AsyncPersiDict.lock`."""

    def __init__(self, owner: AsyncPersiDict, lock: AbstractContextManager[None]) -> None:
        self._owner = owner
        self._lock = lock

    async def __aenter__(self) -> None:
        acquiring = asyncio.ensure_future(self._owner._run(self._lock.__enter__))
        try:
            await asyncio.shield(acquiring)
        except asyncio.CancelledError:
            # The thread goes on acquiring; once it has, let go, or the lock
            # would stay held by nobody until the process ends.
            with contextlib.suppress(BaseException):
                await acquiring
                await self._owner._run(self._lock.__exit__, None, None, None)
            raise

    async def __aexit__(self, *_: object) -> None:
        await asyncio.shield(self._owner._run(self._lock.__exit__, None, None, None))
