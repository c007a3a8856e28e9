"""Worker functions for tests/test_s3_lost_responses.py (importable by spawned processes)."""

from __future__ import annotations

from typing import Any

from persidict import StoreError


def count_incrs(d: Any, key: str, n: int) -> tuple[int, int]:
    """``n`` increments; return how many returned and how many raised "outcome unknown".

    Any other error propagates and fails the test.
    """
    returned = unknown = 0
    for _ in range(n):
        try:
            d.incr(key)
        except StoreError as e:
            if "unknown" not in str(e):
                raise
            unknown += 1
        else:
            returned += 1
    return returned, unknown
