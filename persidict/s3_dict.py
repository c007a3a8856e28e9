"""S3Dict: a PersiDict kept in an S3 bucket (or any S3-compatible store)."""

from __future__ import annotations

import os
from typing import Any

from .persi_dict import PersiDict, ValueType
from .stores import FileStore
from .stores._s3_client import ensure_bucket, make_s3_client
from .stores.caching_store import CachingStore
from .stores.s3_store import S3Store
from .stores.signing_store import SigningKey

_CACHE_FOLDER = "#objects-2"


class S3Dict(PersiDict[ValueType]):
    """A PersiDict in an S3 bucket: key ``("a", "b")`` is the object
    ``root_prefix + "a/b." + file_type`` (no digest suffix: S3 is case-sensitive).

    Credentials are found as boto3 finds them (environment, config files,
    instance roles); ``endpoint_url`` reaches S3-compatible stores (MinIO,
    Ceph), or pass a ready ``client``. The constructor checks the bucket with
    one request and creates it (in ``region``) if it is missing. ``base_dir`` is
    a local cache of values (``None``: no cache); ``digest_len`` is kept for
    folder dicts opened with the same parameters and does not affect S3 names.
    Bulk reads and writes run ``max_workers`` requests at a time; botocore
    retries throttling, 5xx and dropped connections (``retry_mode``,
    ``max_attempts``). A dict built with an injected ``client`` cannot be
    pickled (the client cannot be sent to another process).

    >>> from moto import mock_aws  # an in-process S3 for this example
    >>> with mock_aws():
    ...     d = S3Dict("example-bucket", region="us-east-1", base_dir=None, file_type="json")
    ...     d["config", "retries"] = 3
    ...     d["config", "retries"], d.get_subdict("config").base_url
    (3, 's3://example-bucket/config/')

    Raises:
        StoreError: if the bucket can be neither reached nor created.
    """

    def __init__(self, bucket_name: str = "my_bucket", region: str | None = None,
                 root_prefix: str = "", base_dir: str | os.PathLike[str] | None = "__s3_dict__",
                 file_type: str = "pkl", immutable_items: bool = False, digest_len: int = 8,
                 base_class_for_values: type | None = None, *, endpoint_url: str | None = None,
                 client: Any = None, max_workers: int = 16, retry_mode: str = "standard",
                 max_attempts: int = 5, lock_lease: float = 30.0,
                 ttl: float | None = None, item_ttl: bool = False,
                 history: bool = False, signing_key: SigningKey = None,
                 compress: str | None = None) -> None:
        _check_str("bucket_name", bucket_name, allow_empty=False)
        _check_str("region", region)
        _check_str("root_prefix", root_prefix)
        _check_str("endpoint_url", endpoint_url)
        if "#" in root_prefix or root_prefix.startswith("/"):
            raise ValueError(f"root_prefix {root_prefix!r} may not start with '/' or contain '#'")
        if root_prefix and not root_prefix.endswith("/"):
            root_prefix += "/"
        if base_dir is not None and not isinstance(base_dir, (str, os.PathLike)):
            raise TypeError(f"base_dir must be a path or None, not {type(base_dir).__name__}")
        _check_positive("max_workers", max_workers, int)
        _check_positive("max_attempts", max_attempts, int)
        _check_positive("lock_lease", lock_lease, float)
        self._region = region
        self._endpoint_url = endpoint_url
        self._client_given = client
        self._options = {"max_workers": max_workers, "retry_mode": retry_mode,
                         "max_attempts": max_attempts, "lock_lease": lock_lease}
        s3 = client or make_s3_client(region, endpoint_url, max_workers=max_workers,
                                      retry_mode=retry_mode, max_attempts=max_attempts)
        remote = S3Store(s3, bucket_name, root_prefix, max_workers=max_workers,
                         lock_lease=lock_lease)
        self._cache_dir = None if base_dir is None else os.path.abspath(os.fspath(base_dir))
        store: S3Store | CachingStore = remote
        if self._cache_dir is not None:
            # Entries by hashed object identity (see CachingStore), in a folder of
            # their own: the earlier bucket/key layout beside it is ignored.
            entries = FileStore(os.path.join(self._cache_dir, _CACHE_FOLDER), create=False)
            store = CachingStore(remote, entries, immutable=immutable_items is True)
        super().__init__(store, file_type=file_type, immutable_items=immutable_items,
                         digest_len=digest_len, base_class_for_values=base_class_for_values,
                         ttl=ttl, item_ttl=item_ttl, history=history, signing_key=signing_key,
                         compress=compress)
        ensure_bucket(s3, bucket_name, region)

    def _name_digest_len(self) -> int:
        return 0

    @property
    def s3_store(self) -> S3Store:
        """The S3 store under this dict (under its cache, if it has one)."""
        store = self._backend
        return store.remote if isinstance(store, CachingStore) else store  # type: ignore[return-value]

    @property
    def bucket_name(self) -> str:
        return self.s3_store.bucket

    @property
    def region(self) -> str | None:
        return self._region

    @property
    def root_prefix(self) -> str:
        return self.s3_store.prefix

    @property
    def base_dir(self) -> str | None:
        return self._cache_dir

    def install_lifecycle_rule(self, days: int | None = None, *,
                               whole_bucket: bool = False) -> int:
        """Make S3 itself delete the objects under ``root_prefix`` ``days`` whole days
        after they were written (default: ``ttl`` rounded up to days), with no
        client running; return the days. The rule (ID ``persidict-ttl:<prefix>``)
        replaces an earlier one of this prefix; the bucket's other rules stay. S3
        applies it asynchronously (a day or more late), by write time, prefix-wide
        (every file type and internal object); reads still check ``ttl``.

        Raises:
            TypeError, ValueError: for bad ``days``, none with no ``ttl``, or an
                empty ``root_prefix`` (the whole bucket) without ``whole_bucket=True``.
            StoreError: if S3 refuses (e.g. no s3:PutLifecycleConfiguration).
        """
        from .ttl import lifecycle_days

        count = lifecycle_days(days, self.ttl)
        if not self.root_prefix and not whole_bucket:
            raise ValueError("root_prefix is empty: the rule would expire every object in"
                             f" bucket {self.bucket_name!r}; pass whole_bucket=True to mean it")
        self.s3_store.put_expiration_rule("persidict-ttl:" + self.root_prefix, count)
        return count

    def get_params(self) -> dict[str, Any]:
        root = self.s3_store
        return {"bucket_name": root.bucket, "region": self._region, "root_prefix": root.prefix,
                "base_dir": self._cache_dir, **self._shared_params(),
                "endpoint_url": self._endpoint_url, "client": self._client_given,
                **self._options}

    def __reduce__(self) -> tuple[Any, ...]:
        if self._client_given is not None:
            raise TypeError("an S3Dict built with an injected client cannot be pickled;"
                            " build it with region/endpoint_url (credentials are then found"
                            " as boto3 finds them) to share it with other processes")
        return super().__reduce__()


def _check_str(what: str, value: Any, *, allow_empty: bool = True) -> None:
    if value is None and what in ("region", "endpoint_url"):
        return
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value and not allow_empty:
        raise ValueError(f"{what} must not be empty")


def _check_positive(what: str, value: Any, kind: type[int] | type[float]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, kind)):
        raise TypeError(f"{what} must be a positive {kind.__name__}, not {type(value).__name__}")
    if not value > 0:  # also refuses NaN
        raise ValueError(f"{what} must be positive, not {value!r}")
