"""Exceptions the package raises beyond the builtin ones."""

from __future__ import annotations


class PersiDictError(Exception):
    """Base of the package's own errors."""


class CorruptValueError(PersiDictError, ValueError):
    """A stored value could not be decoded (truncated, corrupt, or foreign)."""


class StoreError(PersiDictError, OSError):
    """The storage backend failed; the message names operation, location and name."""


class ConflictError(PersiDictError, RuntimeError):
    """A compare-and-set loop ran out of retries."""
