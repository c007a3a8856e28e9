"""What copy and sync report: the keys copied, skipped, deleted, kept and failed,
and the error raised at the end when some items failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import PersiDictError
from ..safe_str_tuple import SafeStrTuple


@dataclass
class CopyReport:
    """What a :func:`copy` did: keys copied, keys gone from the source before they
    could be read (``vanished``), failures by key, and the bytes written."""

    copied: list[SafeStrTuple] = field(default_factory=list)
    vanished: list[SafeStrTuple] = field(default_factory=list)
    failed: dict[SafeStrTuple, Exception] = field(default_factory=dict)
    bytes_copied: int = 0

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (keys written ``a/b/c``)."""
        data: dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, dict):
                value = {key_path(k): f"{type(e).__name__}: {e}" for k, e in value.items()}
            elif isinstance(value, list):
                value = [key_path(k) for k in value]
            data[name] = value
        return data


@dataclass
class SyncReport(CopyReport):
    """What a :func:`sync` did (or, with ``dry_run``, would do): also the keys
    left alone because they are equal (``skipped``), ``deleted``, and ``kept``:
    keys to delete that changed after they were listed, so were not deleted."""

    skipped: list[SafeStrTuple] = field(default_factory=list)
    deleted: list[SafeStrTuple] = field(default_factory=list)
    kept: list[SafeStrTuple] = field(default_factory=list)
    dry_run: bool = False


class SyncError(PersiDictError):
    """Some items failed to copy; every other item was copied (no delete was made).
    ``report`` says what happened; ``failed_keys`` lists the failures."""

    def __init__(self, report: CopyReport) -> None:
        keys = [key_path(k) for k in report.failed]
        shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
        first = next(iter(report.failed.values()))
        super().__init__(f"{len(keys)} item(s) failed: {shown} (first error:"
                         f" {type(first).__name__}: {first})", report)

    @property
    def report(self) -> CopyReport:
        return self.args[1]  # type: ignore[no-any-return]

    @property
    def failed_keys(self) -> list[SafeStrTuple]:
        return list(self.report.failed)

    def __str__(self) -> str:
        return str(self.args[0])


def key_path(key: SafeStrTuple) -> str:
    return "/".join(key)
