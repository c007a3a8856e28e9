"""The boto3 side of S3: making a client, the request pool, bucket-level calls,
reading botocore errors."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ..errors import StoreError

T = TypeVar("T")
R = TypeVar("R")


def make_s3_client(region: str | None = None, endpoint_url: str | None = None, *,
                   max_workers: int = 16, retry_mode: str = "standard",
                   max_attempts: int = 5) -> Any:
    """A boto3 S3 client that finds credentials as boto3 does and retries
    throttling, 5xx and dropped connections with backoff (``retry_mode``,
    ``max_attempts`` are botocore's)."""
    import boto3
    from botocore.config import Config

    # Checksums only where S3 requires them: S3-compatible stores (MinIO, Ceph)
    # may not know the newer checksum headers, and each costs CPU per request.
    config = Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts},
                    max_pool_connections=max_workers + 4,
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required")
    global _session
    with _session_guard:  # a Session is not thread-safe; one per process loads models once
        if _session is None or _session[0] != os.getpid():
            _session = (os.getpid(), boto3.session.Session())
        return _session[1].client("s3", region_name=region, endpoint_url=endpoint_url,
                                  config=config)


_session: tuple[int, Any] | None = None
_session_guard = threading.Lock()


class RequestPool:
    """The bounded thread pool that one store and all its substores share."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._guard = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._guard:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_workers,
                                                    thread_name_prefix="persidict-s3")
            return self._executor

    def map_ordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Yield ``(item, fn(item))`` in input order, running ``fn`` on the pool with
        a bounded look-ahead (twice the workers), so memory stays bounded."""
        executor = self.executor()
        window: deque[tuple[T, Future[R]]] = deque()
        limit = 2 * self.max_workers
        try:
            for item in items:
                window.append((item, executor.submit(fn, item)))
                if len(window) >= limit:
                    first, future = window.popleft()
                    yield first, future.result()
            while window:
                first, future = window.popleft()
                yield first, future.result()
        finally:
            for _, future in window:
                future.cancel()


def error_code(error: Exception) -> str:
    """S3's error code of a botocore error (the HTTP status when there is none)."""
    response = getattr(error, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    if code:
        return str(code)
    return str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


class AttemptWatch:
    """Inside ``with``: whether a request this thread sent through a watched client
    (see :func:`watch_attempts`) may have been applied although no answer said so:
    its connection broke, or it met a 5xx other than 503 SlowDown (S3 refuses a
    request it answers 503 before acting on it). botocore retries such attempts,
    so a later answer may hide an earlier success."""

    maybe_applied = False

    def __enter__(self) -> AttemptWatch:
        _watching.__dict__.setdefault("stack", []).append(self)
        return self

    def __exit__(self, *_: object) -> None:
        _watching.stack.remove(self)


_watching = threading.local()  # botocore sends and retries in the caller's thread


def watch_attempts(client: Any) -> None:
    """Have ``client`` report each attempt to the :class:`AttemptWatch` es of its thread."""
    client.meta.events.register("needs-retry.s3", _note_attempt,
                                unique_id="persidict-attempt-watch")


def _note_attempt(caught_exception: Exception | None = None, response: Any = None,
                  **_: Any) -> None:
    if caught_exception is None:
        status = response[0].status_code if response else 0
        if status < 500 or status == 503:
            return
    for watch in getattr(_watching, "stack", ()):
        watch.maybe_applied = True


def botocore_errors() -> tuple[type[Exception], type[Exception]]:
    """``(ClientError, BotoCoreError)``, imported only once S3 is used."""
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def ensure_bucket(client: Any, bucket: str, region: str | None) -> None:
    """Check the bucket with one HEAD; create it if missing (one more request)."""
    client_error, botocore_error = botocore_errors()
    try:
        client.head_bucket(Bucket=bucket)
        return
    except client_error as e:
        if error_code(e) not in ("404", "NoSuchBucket", "NotFound"):
            raise StoreError(f"S3 HeadBucket of bucket {bucket!r} failed ({error_code(e)});"
                             " it cannot be reached with these credentials") from e
    except botocore_error as e:
        raise StoreError(f"S3 HeadBucket of bucket {bucket!r} failed ({e})") from e
    region = region or client.meta.region_name
    params: dict[str, Any] = {"Bucket": bucket}
    if region and region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**params)
    except client_error as e:
        if error_code(e) != "BucketAlreadyOwnedByYou":  # another process created it first
            raise StoreError(f"S3 CreateBucket of missing bucket {bucket!r} failed"
                             f" ({error_code(e)}: {e})") from e
    except botocore_error as e:
        raise StoreError(f"S3 CreateBucket of missing bucket {bucket!r} failed ({e})") from e


def put_expiration_rule(client: Any, bucket: str, prefix: str, rule_id: str,
                        days: int) -> None:
    """Install (or replace) the lifecycle rule ``rule_id`` of ``bucket`` expiring the
    objects under ``prefix`` ``days`` days after they were written, keeping the
    bucket's other rules. Two requests (GET, then PUT of the whole configuration):
    not atomic against another process changing the rules."""
    try:
        rules = client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except botocore_errors()[0] as e:
        if error_code(e) != "NoSuchLifecycleConfiguration":
            raise
        rules = []
    rules = [r for r in rules if r.get("ID") != rule_id]
    rules.append({"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled",
                  "Expiration": {"Days": days}})
    client.put_bucket_lifecycle_configuration(Bucket=bucket,
                                              LifecycleConfiguration={"Rules": rules})
