"""The atomic read-modify-write half of PersiDict: etags, compare-and-set, transform, locks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from numbers import Number
from typing import TYPE_CHECKING, Any

from .errors import ConflictError
from .jokers import DELETE_CURRENT, KEEP_CURRENT
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .stores import ItemInfo, Store
from .ttl import TTL

_MISSING: Any = object()
_ATTEMPTS = 1000  # of a retry loop below before it gives up with ConflictError


class AtomicUpdates:
    """Mixed into PersiDict; relies on its key naming, codec and store."""

    if TYPE_CHECKING:
        _store: Store
        _ttl: TTL | None

        @property
        def base_url(self) -> str: ...

        def _name_of(self, key: NonEmptySafeStrTuple) -> str: ...
        def _encode(self, value: Any) -> bytes: ...
        def _decode(self, key: Any, data: bytes) -> Any: ...
        def _refuse_change(self, key: Any) -> None: ...
        def _info(self, key: NonEmptySafeStrTuple) -> ItemInfo: ...
        def _read_live(self, key: Any, name: str) -> tuple[bytes, ItemInfo]: ...
        def _create(self, name: str, data: bytes) -> bool: ...
        def __getitem__(self, key: NonEmptySafeStrTuple) -> Any: ...
        def __iter__(self) -> Iterator[SafeStrTuple]: ...

    # --- atomic read-modify-write
    #
    # Each of these is one store primitive (create / replace / delete_if) or a
    # loop of them, never a check-then-write. Plain ``d[k] = v`` takes part: a
    # store applies it atomically with respect to the conditional primitives
    # (a folder holds the same short per-folder flock around its rename), so a
    # compare-and-set never overwrites a plain write it did not see. With a TTL
    # an expired version counts as absent: it is replaced, or deleted, only by a
    # conditional request on its etag (ttl.py).

    def etag(self, key: NonEmptySafeStrTuple) -> str:
        """An opaque tag of the current version of ``key``; every write gives a new one.

        Raises:
            KeyError: if ``key`` is absent.
        """
        return self._info(key).etag

    def get_with_etag(self, key: NonEmptySafeStrTuple) -> tuple[Any, str]:
        """Return the value of ``key`` and the etag of that same version.

        Raises:
            KeyError: if ``key`` is absent.
        """
        data, info = self._read_live(key, self._name_of(key))
        return self._decode(key, data), info.etag

    def compare_and_set(self, key: NonEmptySafeStrTuple, value: Any, etag: str | None) -> bool:
        """Write ``value`` only if ``key``'s etag is still ``etag`` (``None``: only if
        absent); return whether it wrote.

        Raises:
            TypeError: for an etag that is not a str or None, or a bad value.
            KeyError: for a non-None etag on a write-once dict.
        """
        name = self._name_of(key)
        if etag is not None:
            _check_etag(etag)
            self._refuse_change(key)
        data = self._encode(value)
        if etag is None:
            return self._create(name, data)
        return self._store.replace(name, data, etag)

    def compare_and_delete(self, key: NonEmptySafeStrTuple, etag: str) -> bool:
        """Delete ``key`` only if its etag is still ``etag``; return whether it did.

        Raises:
            TypeError: for an etag that is not a str.
            KeyError: on a write-once dict.
        """
        name = self._name_of(key)
        _check_etag(etag)
        self._refuse_change(key)
        return self._store.delete_if(name, etag)

    def add(self, key: NonEmptySafeStrTuple, value: Any) -> bool:
        """Insert ``key`` only if it is absent, atomically; return whether it did.

        Of several racing writers exactly one gets ``True``.
        """
        return self.compare_and_set(key, value, None)

    def setdefault(self, key: NonEmptySafeStrTuple, default: Any = None) -> Any:
        """Return ``d[key]``, first storing ``default`` if absent (atomically: all
        racing callers return the one value that was stored).

        Raises:
            ConflictError: if the key was deleted again after each of 1,000 failed
                inserts.
        """
        name = self._name_of(key)
        data = None
        for _ in range(_ATTEMPTS):
            try:
                return self[key]
            except KeyError:
                data = data or self._encode(default)
            if self._create(name, data):
                return default
        raise self._gave_up("setdefault", key)

    def _gave_up(self, operation: str, key: Any) -> ConflictError:
        return ConflictError(f"{operation} of {key!r} in {self.base_url} met a concurrent"
                             f" change on all {_ATTEMPTS} attempts")

    def pop(self, key: NonEmptySafeStrTuple, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return the very value removed (or ``default``).

        Raises:
            KeyError: if ``key`` is absent and no default is given, or the dict is
                write-once.
            ConflictError: if the key changed between read and delete 1,000 times.
        """
        name = self._name_of(key)
        self._refuse_change(key)
        for _ in range(_ATTEMPTS):
            try:
                data, info = self._store.read_with_info(name)
            except KeyError:
                data = None
            if data is not None and self._ttl is not None \
                    and not self._ttl.is_live(info, data):
                self._store.delete_if(name, info.etag)  # gone already for every reader
                data = None
            if data is None:
                if default is _MISSING:
                    raise KeyError(key) from None
                return default
            value = self._decode(key, data)  # a corrupt value raises before it is deleted
            if self._store.delete_if(name, info.etag):
                return value
        raise self._gave_up("pop", key)

    def popitem(self) -> tuple[SafeStrTuple, Any]:
        """Remove and return some ``(key, value)``; ``KeyError`` if empty.

        Raises:
            ConflictError: if 1,000 listed keys were all deleted by others first.
        """
        self._refuse_change("popitem()")
        for tried, key in enumerate(self, start=1):
            value = self.pop(key, _MISSING_VALUE)
            if value is not _MISSING_VALUE:
                return key, value
            if tried >= _ATTEMPTS:
                raise self._gave_up("popitem", key)
        raise KeyError("popitem(): the dict is empty")

    def transform(self, key: NonEmptySafeStrTuple, fn: Callable[[Any], Any], *,
                  default: Any = _MISSING, retries: int = 1000) -> Any:
        """Replace ``d[key]`` with ``fn(d[key])`` atomically and return the result.

        ``fn`` may be called several times (on conflict it reruns on the newer
        value). A missing key is passed as ``default`` (``KeyError`` if no default
        is given). ``fn`` may return ``KEEP_CURRENT`` (nothing is written; the
        current value, or ``default``, is returned) or ``DELETE_CURRENT`` (the key
        is deleted if still at the version read; ``DELETE_CURRENT`` is returned).

        Raises:
            ConflictError: if ``retries`` attempts all met a concurrent change.
            TypeError, ValueError: for a ``fn`` that is not callable or ``retries``
                that is not a positive int.
        """
        name = self._name_of(key)
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}")
        if not isinstance(retries, int) or isinstance(retries, bool):
            raise TypeError(f"retries must be an int, not {type(retries).__name__}")
        if retries < 1:
            raise ValueError(f"retries must be at least 1, not {retries}")
        for _ in range(retries):
            try:
                data, info = self._store.read_with_info(name)
                etag: str | None = info.etag
            except KeyError:
                data, etag = None, None
            expired = data is not None and self._ttl is not None \
                and not self._ttl.is_live(info, data)
            if data is None or expired:
                if default is _MISSING:
                    raise KeyError(key) from None
                old = default
            else:
                old = self._decode(key, data)
            new = fn(old)
            if new is KEEP_CURRENT:
                return old
            if expired and etag is not None:  # a create over the expired version
                if new is DELETE_CURRENT:
                    self._store.delete_if(name, etag)
                    return new
                if self._store.replace(name, self._encode(new), etag):
                    return new
            elif new is DELETE_CURRENT:
                if etag is None or self.compare_and_delete(key, etag):
                    return new
            elif self.compare_and_set(key, new, etag):
                return new
        raise ConflictError(f"transform of {key!r} in {self.base_url} met a concurrent "
                            f"change on all {retries} attempts")

    def incr(self, key: NonEmptySafeStrTuple, delta: int | float = 1,
             default: int | float = 0) -> Any:
        """Add ``delta`` to the number at ``key`` (``default`` if absent) atomically;
        return the new number.

        Raises:
            TypeError: if ``delta``, ``default`` or the stored value is not a number.
        """
        for what, number in (("delta", delta), ("default", default)):
            if not _is_number(number):
                raise TypeError(f"incr {what} must be a number, not {type(number).__name__}")

        def add_delta(old: Any) -> Any:
            if not _is_number(old):
                raise TypeError(f"incr: {key!r} holds a {type(old).__name__}, not a number")
            return old + delta

        return self.transform(key, add_delta, default=default)

    def lock(self, key: NonEmptySafeStrTuple,
             timeout: float | None = None) -> AbstractContextManager[None]:
        """A context manager holding a lock on ``key`` across processes and machines.

        It guards user code only: the item itself is untouched and plain writes
        do not wait for it. A holder that dies loses it (on folders the kernel
        drops its flock at once; on S3 its lease expires). Not re-entrant.

        Raises:
            TimeoutError: on entering, if not acquired within ``timeout`` seconds
                (``None`` waits for ever, ``0`` tries once).
            TypeError, ValueError: for a timeout that is not a number >= 0.
        """
        name = self._name_of(key)
        if timeout is not None:
            if not _is_number(timeout):
                raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__}")
            if not timeout >= 0:  # also refuses NaN
                raise ValueError(f"timeout must be >= 0, not {timeout}")
        return _holding(self._store.lock(name, timeout), key, timeout, self.base_url)


_MISSING_VALUE: Any = object()


def _check_etag(etag: Any) -> None:
    if not isinstance(etag, str):
        raise TypeError(f"etag must be a str (from etag() or get_with_etag()),"
                        f" not {type(etag).__name__}")


def _is_number(x: Any) -> bool:
    return isinstance(x, Number) and not isinstance(x, bool)


@contextmanager
def _holding(lock: AbstractContextManager[None], key: Any, timeout: float | None,
             url: str) -> Iterator[None]:
    try:
        lock.__enter__()
    except TimeoutError as e:
        raise TimeoutError(f"lock on {key!r} in {url} not acquired within {timeout} s") from e
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
