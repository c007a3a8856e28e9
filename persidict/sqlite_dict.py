"""SqliteDict: a PersiDict in one SQLite file, for many processes on one machine."""

from __future__ import annotations

import os
from typing import Any

from .persi_dict import PersiDict, ValueType
from .stores.signing_store import SigningKey
from .stores.sqlite_store import SqliteStore


class SqliteDict(PersiDict[ValueType]):
    """A PersiDict in the SQLite file ``path`` (created if missing): key
    ``("a", "b")`` is the row named ``a_<digest>/b_<digest>.<file_type>``.

    ``root_prefix`` keeps the items under that name prefix (a subdict's is its
    key prefix), so that several dicts can share one file.

    Safe for many threads and processes on one machine; not over NFS or other
    network file systems, whose locks SQLite cannot rely on.

    Raises:
        TypeError: if ``path`` is not a path.
        ValueError: if ``path`` is a folder or a file that is not a SQLite database.

    >>> import tempfile
    >>> d = SqliteDict(tempfile.mkdtemp() + "/cache.db")
    >>> d["runs", "1"] = {"loss": 0.5}
    >>> d["runs", "1"], len(d)
    ({'loss': 0.5}, 1)
    """

    def __init__(self, path: str | os.PathLike[str] = "__persidict__.db",
                 file_type: str = "pkl", immutable_items: bool = False, digest_len: int = 8,
                 base_class_for_values: type | None = None, *, root_prefix: str = "",
                 ttl: float | None = None, item_ttl: bool = False,
                 history: bool = False, signing_key: SigningKey = None,
                 compress: str | None = None) -> None:
        if not isinstance(root_prefix, str):
            raise TypeError(f"root_prefix must be a str, not {type(root_prefix).__name__}")
        store = SqliteStore(path, create=False)
        if root_prefix.strip("/"):
            store = store.substore(root_prefix.strip("/"))
        super().__init__(store, file_type=file_type,
                         immutable_items=immutable_items, digest_len=digest_len,
                         base_class_for_values=base_class_for_values, ttl=ttl,
                         item_ttl=item_ttl, history=history, signing_key=signing_key,
                         compress=compress)
        store.make_file()  # only once every argument is checked

    def get_params(self) -> dict[str, Any]:
        return {"path": self._file.path, "root_prefix": self._file.prefix,
                **self._shared_params()}

    @property
    def path(self) -> str:
        """The SQLite file."""
        return self._file.path

    @property
    def _file(self) -> SqliteStore:
        return self._backend  # type: ignore[return-value]
