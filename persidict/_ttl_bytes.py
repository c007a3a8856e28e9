"""The bytes of per-item expiry (see :mod:`persidict.ttl`): the header a value
carries its expiry in, and the names of the index entries that let listings see it."""

from __future__ import annotations

import hashlib

from .stores._base import INDEX_DIR

HEADER = b"\xffpersidict-expires="


def with_expiry(data: bytes, expiry: float) -> bytes:
    """``data`` (an encoded value) framed with its expiry (POSIX seconds)."""
    return HEADER + repr(float(expiry)).encode() + b"\n" + data


def split_expiry(data: bytes) -> tuple[float | None, bytes]:
    """``(expiry or None, the encoded value)`` of stored bytes."""
    if not data.startswith(HEADER):
        return None, data
    stamp, newline, rest = data[len(HEADER):].partition(b"\n")
    if not newline:
        return None, data
    try:
        return float(stamp), rest
    except ValueError:
        return None, data  # not a header after all: the format will say it is corrupt


def index_name(name: str, expiry: float, content: bytes) -> str:
    """The name of the index entry of value ``name`` written as ``content``."""
    folder, slash, leaf = name.rpartition("/")
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
    return f"{folder}{slash}{INDEX_DIR}/{float(expiry)!r}~{digest}~{leaf}"


def _parse_entry(leaf: str) -> tuple[float, str, str] | None:
    parts = leaf.split("~", 2)
    if len(parts) != 3:
        return None
    try:
        return float(parts[0]), parts[1], parts[2]
    except ValueError:
        return None


def is_index_folder(folder: str) -> bool:
    """Whether a listed folder is an index folder (its names are index entries)."""
    return folder == INDEX_DIR or folder.endswith("/" + INDEX_DIR)
