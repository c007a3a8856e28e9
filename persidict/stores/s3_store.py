"""S3Store: names are objects under a bucket prefix, one request per operation."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any, TypeVar

from ..errors import StoreError
from . import _s3_conditional as cond
from . import _s3_listing as _listing
from ._base import ItemInfo, Store
from ._s3_client import (
    AttemptWatch,
    RequestPool,
    botocore_errors,
    error_code,
    put_expiration_rule,
    watch_attempts,
)

T = TypeVar("T")
R = TypeVar("R")

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CONDITION_FAILED = frozenset({"412", "PreconditionFailed"})
_NOT_MODIFIED = frozenset({"304", "NotModified"})
_DELETE_BATCH = 1000  # the most keys one DeleteObjects takes
_MAX_KEY_BYTES = 1024  # the longest object key S3 takes


class S3Store(Store):
    """Names are objects ``prefix + name`` in ``bucket``, reached through a boto3 client.

    Every object carries a unique write id in its metadata, and etags are
    ``"<S3 ETag>:<write id>"``, so they change on every write. S3 checks
    ``If-Match`` against its own ETag (the MD5 of the bytes), so ``replace``
    and ``delete_if`` succeed when the current bytes are those of the version
    the etag names, even if an identical value was written again meanwhile.
    ``read_many`` / ``write_many`` run ``max_workers`` requests at a time; listings
    ask for ``list_page_size`` names per LIST (S3's most, 1,000, by default).

    Raises:
        StoreError: for any failure but a missing name (``KeyError``) or a
            failed condition (``False``), naming operation, bucket and key.
    """

    content_md5_in_listing = True  # single-part PUTs: the ETag is the MD5

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, max_workers: int = 16,
                 lock_lease: float = 30.0, list_page_size: int = 1000,
                 _pool: RequestPool | None = None) -> None:
        if not isinstance(bucket, str) or not bucket:
            raise ValueError(f"bucket must be a non-empty str, not {bucket!r}")
        if not isinstance(prefix, str) or (prefix and not prefix.endswith("/")):
            raise ValueError(f"prefix must be '' or end with '/', not {prefix!r}")
        if not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be a positive int, not {max_workers!r}")
        if not isinstance(lock_lease, (int, float)) or lock_lease <= 0:
            raise ValueError(f"lock_lease must be a positive number, not {lock_lease!r}")
        if isinstance(list_page_size, bool) or not isinstance(list_page_size, int) \
                or not 1 <= list_page_size <= 1000:
            raise ValueError(f"list_page_size must be an int in [1, 1000], not {list_page_size!r}")
        self.client = client
        watch_attempts(client)
        self.bucket = bucket
        self.prefix = prefix
        self._max_name = _MAX_KEY_BYTES - len(prefix.encode())
        self.lock_lease = float(lock_lease)
        self.list_page_size = list_page_size
        self._pool = _pool or RequestPool(max_workers)

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def object_id(self, name: str) -> str:
        """The object ``name`` as (endpoint, bucket, key): the same for every store
        that reaches that object, different for every other object."""
        return json.dumps([self.client.meta.endpoint_url, self.bucket, self.prefix + name])

    @property
    def max_workers(self) -> int:
        return self._pool.max_workers

    # --- requests and errors

    def _error(self, op: str, name: str, error: Exception) -> StoreError:
        response = getattr(error, "response", None)
        detail = f"{error_code(error)}: {response.get('Error', {}).get('Message', '')}" \
            if response else f"{type(error).__name__}: {error}"
        return StoreError(f"S3 {op} of key {self.prefix + name!r} in bucket "
                          f"{self.bucket!r} failed ({detail.strip()})")

    def check_name(self, name: str) -> None:
        if len(name) > self._max_name:  # names are ASCII: characters are bytes
            raise ValueError(f"S3 key {self.prefix + name!r} is"
                             f" {len(self.prefix.encode()) + len(name)} bytes; S3 allows at"
                             f" most {_MAX_KEY_BYTES} (see the README, key-part limits)")

    def _call(self, op: str, name: str, send: Callable[[], T]) -> T:
        self.check_name(name)
        client_error, botocore_error = botocore_errors()
        try:
            return send()
        except client_error as e:
            if error_code(e) in _MISSING:
                raise KeyError(name) from None
            raise self._error(op, name, e) from e
        except botocore_error as e:
            raise self._error(op, name, e) from e

    def _info(self, name: str, response: dict[str, Any]) -> ItemInfo:
        etag = response["ETag"].strip('"')
        metadata = response.get("Metadata", {})
        write_id = metadata.get(cond.WRITE_ID)
        if write_id:
            etag += cond.ETAG_SEP + write_id
            cond.chains.remember(write_id, cond.chain_of(metadata))
        return ItemInfo(name, response["LastModified"].timestamp(), etag,
                        int(response.get("ContentLength", 0)))

    # --- reading

    def read(self, name: str) -> bytes:
        return self.read_with_info(name)[0]

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        return self.read_with_age(name)[:2]

    def read_with_age(self, name: str) -> tuple[bytes, ItemInfo, float]:
        """:meth:`read_with_info`, and the seconds since that version was written by
        the server's clock when it sends one (no skew between machines)."""
        def send() -> tuple[bytes, ItemInfo, float]:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            return response["Body"].read(), self._info(name, response), _server_age(response)

        return self._call("GetObject", name, send)

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        """Like :meth:`read_with_info`, but ``None`` (and no download) if the bytes
        are still those of ``etag`` (a conditional GET)."""
        def send() -> tuple[bytes, ItemInfo] | None:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name,
                                                  IfNoneMatch=f'"{cond.plain_etag(etag)}"')
            except botocore_errors()[0] as e:
                if error_code(e) in _NOT_MODIFIED:
                    return None
                raise
            return response["Body"].read(), self._info(name, response)

        return self._call("GetObject", name, send)

    def _head(self, name: str) -> dict[str, Any]:
        return self._call("HeadObject", name, lambda: self.client.head_object(
            Bucket=self.bucket, Key=self.prefix + name))

    def stat(self, name: str) -> ItemInfo:
        return self._info(name, self._head(name))

    # --- writing

    def _put(self, name: str, data: bytes, write_id: str, chain: list[str],
             **conditions: str) -> str:
        metadata = {cond.WRITE_ID: write_id}
        if chain:
            metadata[cond.PREV_WRITE_IDS] = ",".join(chain)
        self.check_name(name)
        response = self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data,
                                          Metadata=metadata, **conditions)
        cond.chains.remember(write_id, chain)
        return response["ETag"].strip('"') + cond.ETAG_SEP + write_id

    def write(self, name: str, data: bytes) -> str:
        write_id = cond.new_write_id()  # unconditional: it cannot know the version it replaces
        return self._call("PutObject", name, lambda: self._put(name, data, write_id, []))

    def create(self, name: str, data: bytes) -> bool:
        return self.create_tagged(name, data) is not None

    def create_tagged(self, name: str, data: bytes) -> str | None:
        """:meth:`create` returning the new etag, or ``None`` if ``name`` exists."""
        write_id = cond.new_write_id()
        return self._conditional(
            "PutObject If-None-Match", name, data, write_id, cond.ABSENT,
            lambda: self._put(name, data, write_id, [cond.ABSENT], IfNoneMatch="*"))

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return self.replace_tagged(name, data, etag) is not None

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        """:meth:`replace` returning the new etag, or ``None`` if the condition failed."""
        write_id = cond.new_write_id()
        prev = cond.write_id_of(etag)
        chain = cond.chain_after(prev, cond.chains.get(prev) if prev else None)
        return self._conditional(
            "PutObject If-Match", name, data, write_id, prev,
            lambda: self._put(name, data, write_id, chain, IfMatch=f'"{cond.plain_etag(etag)}"'))

    def _conditional(self, op: str, name: str, data: bytes, write_id: str,
                     condition: str | None, send: Callable[[], str]) -> str | None:
        """Run a conditional write. If an earlier attempt may have been applied (a
        lost response: no answer at all, or a failed condition met by botocore's
        retry), ask S3 whether it was; see :mod:`._s3_conditional`."""
        client_error, botocore_error = botocore_errors()

        def attempt(watch: AttemptWatch) -> str | None:
            try:
                return send()
            except client_error as e:
                code = error_code(e)
                if code in _CONDITION_FAILED or code in _MISSING:
                    if watch.maybe_applied:
                        return self._own_etag(op, name, data, write_id, condition, e)
                    return None
                raise

        try:
            return cond.retry_conflicts(attempt)
        except client_error as e:
            raise self._error(op, name, e) from e
        except botocore_error as e:
            own = self._own_etag(op, name, data, write_id, condition, e)
            if own is None:  # surely not applied: a plain failure
                raise self._error(op, name, e) from e
            return own

    def _own_etag(self, op: str, name: str, data: bytes, write_id: str,
                  condition: str | None, error: Exception) -> str | None:
        """The etag of the write ``write_id`` if S3 applied it, ``None`` if it did not.

        Raises:
            StoreError: if that cannot be told (the outcome is unknown).
        """
        unknown = f"{self._error(op, name, error)}; its response was lost and whether" \
                  " this write was applied is unknown"
        try:
            response = self._head(name)
        except KeyError:
            raise StoreError(unknown + " (the object is gone)") from error
        except StoreError as e:
            raise StoreError(unknown) from e
        metadata = response.get("Metadata", {})
        applied = cond.was_applied(metadata, write_id, condition)
        if applied is None:
            raise StoreError(unknown + " (the versions since are not all known)") from error
        if not applied:
            return None
        if metadata.get(cond.WRITE_ID) == write_id:
            return self._info(name, response).etag
        # Ours, superseded since: an etag naming our bytes, which no longer match.
        return hashlib.md5(data, usedforsecurity=False).hexdigest() + cond.ETAG_SEP + write_id

    def delete(self, name: str) -> None:
        # DeleteObject answers 204 whether or not the object existed, so the
        # KeyError of the contract needs a HEAD first.
        self._head(name)
        self._call("DeleteObject", name, lambda: self.client.delete_object(
            Bucket=self.bucket, Key=self.prefix + name))

    def delete_if(self, name: str, etag: str) -> bool:
        client_error, _ = botocore_errors()

        def send(watch: AttemptWatch) -> bool:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name,
                                          IfMatch=f'"{cond.plain_etag(etag)}"')
            except client_error as e:
                code = error_code(e)
                if watch.maybe_applied and (code in _CONDITION_FAILED or code in _MISSING):
                    # A deleted object keeps no write id to recognise our own
                    # delete by: an earlier attempt whose response was lost may
                    # have removed it. Saying False could lose the caller's value.
                    raise StoreError(
                        f"DeleteObject If-Match s3://{self.bucket}/{self.prefix}{name}: "
                        "an earlier attempt's response was lost and the object is gone "
                        "or changed; whether this call deleted it is unknown") from e
                if code in _CONDITION_FAILED:
                    return False
                raise
            return True

        try:
            return self._call("DeleteObject If-Match", name, lambda: cond.retry_conflicts(send))
        except KeyError:
            return False

    # --- listing

    def _pages(self, op: str, below: str = "", **params: Any) -> Iterator[dict[str, Any]]:
        client_error, botocore_error = botocore_errors()
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + below,
            PaginationConfig={"PageSize": self.list_page_size}, **params)
        try:
            yield from pages
        except (client_error, botocore_error) as e:
            raise self._error(op, "", e) from e

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return _listing.infos(self, suffix)

    def names(self, suffix: str = "") -> Iterator[str]:
        return (info.name for info in self.infos(suffix))

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        return _listing.names_by_folder(self, suffix)

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        """One delimited LIST per chunk, starting after ``after`` (S3's StartAfter)."""
        return _listing.folder_entries(self, folder, starts_with, after)

    def sorted_names(self, folder: str, after: str = "") -> Iterator[str]:
        """One LIST per 1,000 names, S3's own (byte) order, from ``after`` on."""
        base = self.prefix + folder + "/"
        params = {"StartAfter": base + after} if after else {}
        for page in self._pages("ListObjectsV2", folder + "/", **params):
            for obj in page.get("Contents", ()):
                yield obj["Key"][len(base):]

    def folder_infos(self, folder: str, leaves: list[str], *,
                     index: bool = False) -> Iterator[ItemInfo]:
        """A LIST of the index (one per 1,000 entries), then delimited LISTs from the
        first leaf to the last: the pages that range spans, no request per leaf."""
        return _listing.folder_infos(self, folder, leaves, index)

    def dirs(self) -> Iterator[str]:
        return _listing.dirs(self)

    def substore(self, dir_name: str) -> S3Store:
        return S3Store(self.client, self.bucket, self.prefix + dir_name + "/",
                       lock_lease=self.lock_lease, list_page_size=self.list_page_size,
                       _pool=self._pool)

    # --- many at once

    def map_ordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        """Yield ``(item, fn(item))`` in input order, running ``fn`` on the store's
        bounded pool (see :meth:`RequestPool.map_ordered`)."""
        return self._pool.map_ordered(fn, items)

    def delete_many(self, names: Iterable[str]) -> None:
        # One DeleteObjects per 1,000 names; it does not mind names that are absent.
        pending = iter(names)
        while batch := list(islice(pending, _DELETE_BATCH)):
            failed = self._delete_objects(batch)
            if failed:
                raise StoreError(f"S3 DeleteObjects in bucket {self.bucket!r} failed for"
                                 f" {len(failed)} of {len(batch)} keys, the first:"
                                 f" {next(iter(failed.values()))}")

    def try_delete_many(self, names: Iterable[str]) -> dict[str, Exception]:
        failures: dict[str, Exception] = {}
        pending = iter(names)
        while batch := list(islice(pending, _DELETE_BATCH)):
            try:
                failures.update(self._delete_objects(batch))
            except StoreError as e:  # the whole request failed: so did each of its names
                failures.update(dict.fromkeys(batch, e))
        return failures

    def _delete_objects(self, names: list[str]) -> dict[str, Exception]:
        """One DeleteObjects; return the names S3 did not delete, each with why."""
        objects = [{"Key": self.prefix + name} for name in names]
        response = self._call("DeleteObjects", names[0], lambda: self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}))
        cut = len(self.prefix)
        return {error.get("Key", "")[cut:]: StoreError(
                    f"S3 DeleteObjects of key {error.get('Key')!r} in bucket {self.bucket!r}"
                    f" failed ({error.get('Code')}: {error.get('Message', '')})")
                for error in response.get("Errors", ())}

    # --- bucket lifecycle

    def put_expiration_rule(self, rule_id: str, days: int) -> None:
        """Install (or replace) the bucket lifecycle rule ``rule_id`` expiring the
        objects under this store's prefix after ``days`` days (see
        :func:`put_expiration_rule`)."""
        self._call("Get/PutBucketLifecycleConfiguration", "", lambda: put_expiration_rule(
            self.client, self.bucket, self.prefix, rule_id, days))

    # --- locks

    def lock(self, name: str, timeout: float | None = None, *,
             lease: float | None = None) -> AbstractContextManager[None]:
        """A lease object ``name + "#lock"``; see :class:`S3Lease`. ``lease`` (default
        ``lock_lease``) is how long a holder that stopped renewing keeps it."""
        from ._s3_lease import S3Lease

        return S3Lease(self, name + "#lock", timeout, lease or self.lock_lease)


def _server_age(response: dict[str, Any]) -> float:
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    now = parsedate_to_datetime(date).timestamp() if date else time.time()
    return now - response["LastModified"].timestamp()
