"""S3Lease: a lock across machines as a lease object, taken and freed by conditional requests."""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import uuid
from types import TracebackType
from typing import TYPE_CHECKING

from ..errors import ConflictError, StoreError

if TYPE_CHECKING:
    from .s3_store import S3Store

_FIRST_DELAY = 0.02
_MAX_DELAY = 1.0
_CLOCK_TICK = 1.0  # S3's Last-Modified and Date headers have one-second resolution


class S3Lease:
    """Hold the object ``name`` (it contains ``#``, so it is never listed) as a lease.

    Taken with ``If-None-Match: *``; renewed by a background thread every third
    of ``lease`` seconds with ``If-Match``; freed by a delete with ``If-Match``.
    A lease not renewed for ``lease`` seconds (by the server's clock) has a dead
    holder and is taken over with ``If-Match``, so exactly one waiter wins it.

    Raises:
        TimeoutError: if not acquired within ``timeout`` seconds.
        ConflictError: on release, if the lease was lost while held (renewals
            did not reach S3 for ``lease`` seconds and another holder took it).
    """

    def __init__(self, store: S3Store, name: str, timeout: float | None, lease: float) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0 or None, not {timeout!r}")
        self._store = store
        self._name = name
        self._timeout = timeout
        self._lease = float(lease)
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._serial = 0
        self._etag: str | None = None
        self._lost = False
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        self._serial += 1  # every version's bytes differ, so If-Match is exact
        return json.dumps({"owner": self._owner, "lease": self._lease, "serial": self._serial,
                           "written": time.time()}).encode()

    def __enter__(self) -> None:
        if self._renewer is not None:
            raise RuntimeError(f"lock {self._name!r} is already held by this object")
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        delay = _FIRST_DELAY
        while not self._try_acquire():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError(f"could not lock {self._name!r} in {self._store.url}"
                                   f" within {self._timeout} s")
            pause = delay * random.uniform(0.5, 1.5)
            time.sleep(pause if deadline is None else min(pause, deadline - now))
            delay = min(delay * 1.5, _MAX_DELAY)
        self._stop.clear()
        self._lost = False
        self._renewer = threading.Thread(target=self._renew, daemon=True,
                                         name=f"persidict-lease {self._name}")
        self._renewer.start()

    def _try_acquire(self) -> bool:
        store = self._store
        for _ in range(3):  # a lease freed between our create and our read: retry at once
            self._etag = store.create_tagged(self._name, self._body())
            if self._etag is not None:
                return True
            try:
                body, info, age = store.read_with_age(self._name)
            except KeyError:
                continue
            if age <= self._lease_of(body) + _CLOCK_TICK:
                return False
            self._etag = store.replace_tagged(self._name, self._body(), info.etag)
            return self._etag is not None
        return False

    def _lease_of(self, body: bytes) -> float:
        try:
            return float(json.loads(body)["lease"])
        except (ValueError, KeyError, TypeError):
            return self._lease  # not one of ours: judge it by our own lease

    def _renew(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                etag = self._store.replace_tagged(self._name, self._body(), self._etag or "")
            except StoreError:
                continue  # try again next period; the lease outlives a few misses
            if etag is None:
                self._lost = True
                return
            self._etag = etag

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        if not self._lost and self._etag is not None:
            self._lost = not self._store.delete_if(self._name, self._etag)
        if self._lost and exc_type is None:
            raise ConflictError(f"the lock on {self._name!r} in {self._store.url} was taken"
                                f" over while held: it was not renewed for {self._lease} s")
