"""The boto3 side of S3: making a client, the bucket check, reading botocore errors."""

from __future__ import annotations

import os
import threading
from typing import Any

from ..errors import StoreError


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


def error_code(error: Exception) -> str:
    """S3's error code of a botocore error (the HTTP status when there is none)."""
    response = getattr(error, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    if code:
        return str(code)
    return str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def may_have_retried(error: Exception) -> bool:
    """Whether botocore sent the request more than once, so that an earlier
    attempt, whose response was lost, may have been applied."""
    metadata = (getattr(error, "response", None) or {}).get("ResponseMetadata", {})
    return metadata.get("RetryAttempts") != 0


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
