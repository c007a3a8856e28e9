"""Exceptions the package raises beyond the builtin ones."""

from __future__ import annotations

from typing import Any


class PersiDictError(Exception):
    """Base of the package's own errors."""


class CorruptValueError(PersiDictError, ValueError):
    """A stored value could not be decoded (truncated, corrupt, or foreign)."""


class SignatureError(CorruptValueError):
    """A value of a signed dict is unsigned, tampered with, or signed for another key;
    it was refused before anything of it was decoded."""


class StoreError(PersiDictError, OSError):
    """The storage backend failed; the message names operation, location and name."""


class ConflictError(PersiDictError, RuntimeError):
    """A compare-and-set loop ran out of retries."""


class _PartialFailureError(PersiDictError):
    """An operation that failed for some of its parts (listed as ``(part, exception)``
    in ``failures``) and took effect for the others."""

    def __init__(self, message: str, failures: list[tuple[Any, Exception]]) -> None:
        super().__init__(message, failures)  # both in args, so that it pickles

    @property
    def failures(self) -> list[tuple[Any, Exception]]:
        return self.args[1]  # type: ignore[no-any-return]

    def __str__(self) -> str:
        return str(self.args[0])


class BatchError(_PartialFailureError):
    """Some items of a batch failed; every other item was written.

    ``failures`` lists ``(key, exception)`` for each failed item, in the order the
    items were given. It is not an ``OSError``: an item of a write-once dict fails
    with ``KeyError``; each exception keeps its own type.
    """


class ReadOnlyError(PersiDictError, PermissionError):
    """A write, delete or atomic update through a read-only dict (``read_only()``)."""


class WriteOnlyError(PersiDictError, PermissionError):
    """A read, listing or query through a write-only dict (``write_only()``)."""


class MirrorError(_PartialFailureError):
    """A mirrored write reached the primary but failed on some replicas.

    ``failures`` lists ``(replica, exception)`` for each replica that failed; the
    primary and every other replica hold the change.
    """
