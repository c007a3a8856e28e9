"""Conditional requests on S3: retrying S3's 409 conflicts, and telling after a lost
response whether an earlier attempt was applied."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from ._s3_client import botocore_errors, error_code, may_have_retried

T = TypeVar("T")

CONFLICT = frozenset({"409", "ConditionalRequestConflict"})
_CONFLICT_ATTEMPTS = 8


def retry_conflicts(send: Callable[[bool], T]) -> T:
    """Call ``send(retried)`` again while S3 answers 409 ConditionalRequestConflict
    (its answer to a conditional request racing another one on the same key).

    ``retried`` tells ``send`` whether an earlier call may have been applied
    (botocore sent it more than once, so a lost response may hide a success):
    a failed condition must then be checked, not believed.
    """
    client_error, _ = botocore_errors()
    retried = False
    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            return send(retried)
        except client_error as e:
            if error_code(e) not in CONFLICT or attempt + 1 == _CONFLICT_ATTEMPTS:
                raise
            retried = retried or may_have_retried(e)
        time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
    raise AssertionError("unreachable")
