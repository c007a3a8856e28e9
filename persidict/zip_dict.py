"""ZipDict: a PersiDict in one zip archive, for exports and backups."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from .persi_dict import PersiDict, ValueType
from .stores import MemoryStore
from .stores.signing_store import SigningKey
from .stores.zip_store import ZipStore


class ZipDict(PersiDict[ValueType]):
    """A PersiDict in the zip archive ``path``: key ``("a", "b")`` is the member
    ``a_<digest>/b_<digest>.<file_type>``.

    ``mode="r"`` reads, ``mode="a"`` reads and writes: one writer at a time and
    no reader beside it (see :class:`~persidict.stores.ZipStore`). Changes reach
    the archive on :meth:`close` (or :meth:`commit`), at the end of a ``with``
    block, or when the dict is garbage-collected or the program exits. A writer
    cannot be pickled (no other process could open the archive); a reader can.

    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/export.zip"
    >>> with ZipDict(path, file_type="json", mode="a") as d:
    ...     d["config", "retries"] = 3
    >>> with ZipDict(path, file_type="json") as d:
    ...     d["config", "retries"]
    3
    """

    def __init__(self, path: str | os.PathLike[str] = "__persidict__.zip",
                 file_type: str = "pkl", immutable_items: bool = False, digest_len: int = 8,
                 base_class_for_values: type | None = None, *, mode: str = "r",
                 root_prefix: str = "", ttl: float | None = None,
                 item_ttl: bool = False, history: bool = False,
                 signing_key: SigningKey = None, compress: str | None = None) -> None:
        if not isinstance(root_prefix, str):
            raise TypeError(f"root_prefix must be a str, not {type(root_prefix).__name__}")
        params: dict[str, Any] = {
            "file_type": file_type, "immutable_items": immutable_items,
            "digest_len": digest_len, "base_class_for_values": base_class_for_values,
            "ttl": ttl, "item_ttl": item_ttl, "history": history, "signing_key": signing_key,
            "compress": compress}
        # Checked over an empty store before the archive is opened: a bad argument
        # then opens, and so creates, nothing.
        super().__init__(MemoryStore(), **params)
        store = ZipStore(path, mode)
        if root_prefix.strip("/"):
            store = store.substore(root_prefix.strip("/"))
        super().__init__(store, **params)

    def get_params(self) -> dict[str, Any]:
        store = self._archive
        return {"path": store.path, "mode": store.mode, "root_prefix": store.prefix,
                **self._shared_params()}

    def __reduce__(self) -> tuple[Any, ...]:
        self._archive.__reduce__()  # raises for a writer
        return super().__reduce__()

    @property
    def path(self) -> str:
        """The zip archive."""
        return self._archive.path

    def commit(self) -> None:
        """Write the changes into the archive now."""
        self._archive.commit()

    def close(self) -> None:
        """Commit (a writer) and let the archive go."""
        self._archive.close()

    def __enter__(self) -> ZipDict[ValueType]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def _archive(self) -> ZipStore:
        return self._backend  # type: ignore[return-value]
