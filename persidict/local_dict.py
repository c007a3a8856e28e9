"""LocalDict: a PersiDict in this process's memory."""

from __future__ import annotations

from typing import Any

from .persi_dict import PersiDict, ValueType
from .stores import MemoryStore
from .stores.signing_store import SigningKey


class LocalDict(PersiDict[ValueType]):
    """A PersiDict in memory: values are encoded as on disk, so it behaves as the
    persistent dicts do (tests, caches, notebooks). Dicts built with the same
    ``store`` share their items. It cannot be pickled, since another process
    could not share its memory.

    >>> d = LocalDict()
    >>> d["x"] = [1, 2]
    >>> d.newest_keys(1)
    [SafeStrTuple('x')]
    """

    def __init__(self, file_type: str = "pkl", immutable_items: bool = False,
                 digest_len: int = 8, base_class_for_values: type | None = None, *,
                 store: MemoryStore | None = None, ttl: float | None = None,
                 item_ttl: bool = False, history: bool = False,
                 signing_key: SigningKey = None, compress: str | None = None) -> None:
        if store is not None and not isinstance(store, MemoryStore):
            raise TypeError(f"store must be a MemoryStore, not {type(store).__name__}")
        super().__init__(store or MemoryStore(), file_type=file_type,
                         immutable_items=immutable_items, digest_len=digest_len,
                         base_class_for_values=base_class_for_values, ttl=ttl,
                         item_ttl=item_ttl, history=history, signing_key=signing_key,
                         compress=compress)

    def get_params(self) -> dict[str, Any]:
        return {**self._shared_params(), "store": self._backend}

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("a LocalDict lives in one process's memory and cannot be pickled;"
                        " use a FileDirDict or S3Dict to share items between processes")
