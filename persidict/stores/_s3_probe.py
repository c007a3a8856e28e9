"""Whether an S3 endpoint honours conditional requests: asked once per endpoint.

Some S3-compatible stores ignore ``If-None-Match`` and ``If-Match`` and answer 200:
there a create-if-absent overwrites, and ``add``, ``compare_and_set``, write-once
items and locks would race silently. So before its first conditional request to an
endpoint, a process probes it with an object of its own (a ``#`` name, never listed
as a key) under the store's prefix: a create, the same create again (must fail with
412), a delete naming a wrong etag (must fail with 412), then a plain delete that
cleans up: four requests (three when the second create was applied). The answer is
kept for the endpoint for the life of the process. A probe that fails for another
reason (network, permissions) is not kept: its error is raised, and the next
conditional request probes again.
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ._s3_client import botocore_errors, error_code

if TYPE_CHECKING:
    from .s3_store import S3Store

PROBE_NAME = "#conditional-probe-"
_BODY = b"persidict: does this endpoint honour conditional requests?"
_WRONG_ETAG = '"' + "0" * 32 + '"'  # an MD5 no probe body has
_CONDITION_FAILED = frozenset({"412", "PreconditionFailed"})
_UNSUPPORTED = frozenset({"501", "NotImplemented"})
_UNKNOWN = object()
_log = logging.getLogger("persidict")

_ignored: dict[str, str | None] = {}  # endpoint -> the header it ignores, None if none
_probing = threading.Lock()


def require_conditional_requests(store: S3Store, op: str, name: str) -> None:
    """Return if the endpoint of ``store`` honours conditional requests (probing it
    first if this process has not yet); else raise.

    Raises:
        StoreError: naming the endpoint, and the operation ``op`` on ``name`` refused
            (nothing was sent for it), if the endpoint ignores the conditions; or
            if the probe itself failed.
    """
    client, bucket, prefix = store.client, store.bucket, store.prefix
    endpoint = client.meta.endpoint_url
    ignored = _ignored.get(endpoint, _UNKNOWN)
    if ignored is _UNKNOWN:
        with _probing:
            ignored = _ignored.get(endpoint, _UNKNOWN)
            if ignored is _UNKNOWN:
                ignored = _ignored[endpoint] = _probe(client, bucket, prefix)
    if ignored is not None:
        raise StoreError(
            f"S3 endpoint {endpoint} does not honour conditional requests (it ignored"
            f" {ignored}): {op} of key {prefix + name!r} in bucket {bucket!r} refused. Atomic"
            " operations (add, compare_and_set, setdefault, transform, incr, pop,"
            " write-once items, locks) cannot be made safe there; plain reads, writes"
            " and deletes still work.")


def _probe(client: Any, bucket: str, prefix: str) -> str | None:
    """The conditional header the endpoint ignores, ``None`` if it honours both."""
    key = prefix + PROBE_NAME + secrets.token_hex(8)
    client_error, botocore_error = botocore_errors()
    try:
        # The first create may meet 412 only after a lost response: its own object.
        _succeeds(client.put_object, Bucket=bucket, Key=key, Body=_BODY, IfNoneMatch="*")
        if _succeeds(client.put_object, Bucket=bucket, Key=key, Body=_BODY, IfNoneMatch="*"):
            return "If-None-Match"
        if _succeeds(client.delete_object, Bucket=bucket, Key=key, IfMatch=_WRONG_ETAG):
            return "If-Match"
        return None
    except _UnsupportedError as e:
        return f"{e} (answered {e.code})"
    except (client_error, botocore_error) as e:
        raise StoreError(f"S3 probe of conditional requests with key {key!r} in bucket"
                         f" {bucket!r} at {client.meta.endpoint_url} failed"
                         f" ({error_code(e) or type(e).__name__}: {e})") from e
    finally:
        try:
            client.delete_object(Bucket=bucket, Key=key)
        except (client_error, botocore_error) as e:  # an object no listing shows
            _log.warning("persidict: could not delete the probe object %r in bucket %r: %s",
                         key, bucket, e)


class _UnsupportedError(Exception):
    def __init__(self, header: str, code: str) -> None:
        super().__init__(header)
        self.code = code


def _succeeds(send: Any, **request: Any) -> bool:
    """Whether a conditional request was applied (``False``: its condition failed)."""
    client_error, _ = botocore_errors()
    try:
        send(**request)
    except client_error as e:
        code = error_code(e)
        if code in _CONDITION_FAILED:
            return False
        if code in _UNSUPPORTED:
            raise _UnsupportedError("If-Match" if "IfMatch" in request else "If-None-Match",
                               code) from e
        raise
    return True
