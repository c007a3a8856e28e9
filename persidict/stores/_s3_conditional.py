"""Conditional requests on S3: retrying S3's 409 conflicts, and telling after a lost
response whether an earlier attempt was applied.

Every object this package writes carries its write id and the ids of the versions
before it (``persidict-prev-write-ids``, newest first, at most ``CHAIN_LEN``): a
conditional replace carries the chain of the version it replaces forward, a
create starts one with ``ABSENT`` (no object before it), and a plain write,
which cannot know what it replaces, starts an empty one. A chain thus lists a
contiguous run of the object's history. After a lost response a writer reads
the current object: its own write id in the chain means its write was applied;
the version its condition named (or ``ABSENT`` for a create) without its own id
means it was not; neither means nobody can tell.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TypeVar

from ._s3_client import AttemptWatch, botocore_errors, error_code

T = TypeVar("T")

WRITE_ID = "persidict-write-id"
PREV_WRITE_IDS = "persidict-prev-write-ids"
_LEGACY_PREV_WRITE_ID = "persidict-prev-write-id"  # one id, written by earlier releases
ABSENT = "-"  # in a chain: there was no object before this version
# botocore waits up to a second before resending after a lost response, and other
# writers may write many versions meanwhile. 100 ids of 11 characters, with
# commas, are 1.2 KB of the 2 KB of user metadata S3 allows.
CHAIN_LEN = 100
ETAG_SEP = ":"  # store etag = "<S3 ETag>:<write id>"; never part of an S3 ETag
CONFLICT = frozenset({"409", "ConditionalRequestConflict"})
_CONFLICT_ATTEMPTS = 8
_MEMO_SIZE = 4096


def new_write_id() -> str:
    return secrets.token_urlsafe(8)  # 64 random bits: unique among any object's versions


def plain_etag(etag: str) -> str:
    return etag.split(ETAG_SEP, 1)[0]


def write_id_of(etag: str) -> str | None:
    parts = etag.split(ETAG_SEP, 1)
    return parts[1] if len(parts) == 2 else None


def retry_conflicts(send: Callable[[AttemptWatch], T]) -> T:
    """Call ``send(watch)`` again while S3 answers 409 ConditionalRequestConflict
    (its answer to a conditional request racing another one on the same key).

    ``watch.maybe_applied`` tells ``send`` whether an earlier attempt, in this
    call or an earlier one, may have been applied: a failed condition must then
    be checked, not believed.
    """
    client_error, _ = botocore_errors()
    with AttemptWatch() as watch:
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                return send(watch)
            except client_error as e:
                if error_code(e) not in CONFLICT or attempt + 1 == _CONFLICT_ATTEMPTS:
                    raise
            time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
    raise AssertionError("unreachable")


def chain_of(metadata: Mapping[str, str]) -> list[str]:
    """The ids of the versions before this one, newest first, as far as known."""
    ids = metadata.get(PREV_WRITE_IDS)
    if ids is None:
        legacy = metadata.get(_LEGACY_PREV_WRITE_ID)
        return [legacy] if legacy else []
    return ids.split(",") if ids else []


def chain_after(prev_id: str | None, prev_chain: list[str] | None) -> list[str]:
    """The chain of a version that replaces ``prev_id`` (whose own chain may be unknown)."""
    if prev_id is None:
        return []
    return ([prev_id, *(prev_chain or ())])[:CHAIN_LEN]


def was_applied(metadata: Mapping[str, str], write_id: str, condition: str | None) -> bool | None:
    """Whether the write ``write_id``, conditioned on version ``condition`` (a write
    id, ``ABSENT`` for a create, ``None`` if unknown), is in the history of the
    object with ``metadata``; ``None`` if that cannot be told.

    S3 checks ``If-Match`` against content, so a chain link says which version
    a writer read, not which one S3 replaced; the two differ only when that
    version's bytes were written again meanwhile (see the README).
    """
    history = [metadata.get(WRITE_ID, ""), *chain_of(metadata)]
    if write_id in history:
        return True
    if condition is not None and condition in history:
        return False
    return None


class ChainMemo:
    """The chains of versions this process has seen, by write id, so that a replace
    can carry its predecessor's chain forward without asking S3 for it."""

    def __init__(self, size: int = _MEMO_SIZE) -> None:
        self._size = size
        self._chains: OrderedDict[str, list[str]] = OrderedDict()
        self._guard = threading.Lock()

    def remember(self, write_id: str, chain: list[str]) -> None:
        with self._guard:
            self._chains[write_id] = chain
            self._chains.move_to_end(write_id)
            if len(self._chains) > self._size:
                self._chains.popitem(last=False)

    def get(self, write_id: str) -> list[str] | None:
        with self._guard:
            return self._chains.get(write_id)


chains = ChainMemo()  # write ids are unique across processes and stores: one per process
