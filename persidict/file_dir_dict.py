"""FileDirDict: a PersiDict kept in a folder, one file per item."""

from __future__ import annotations

import os
from typing import Any

from .persi_dict import PersiDict, ValueType
from .stores import FileStore
from .stores.signing_store import SigningKey

_PEEK = 64  # names read to check the folder's digest_len: a few suffice


class FileDirDict(PersiDict[ValueType]):
    """A PersiDict in a folder (local disk, NFS): key ``("a", "b")`` is the file
    ``base_dir/a_<digest>/b_<digest>.<file_type>``.

    ``durable=True`` fsyncs every write and delete, and every new folder (off by
    default: the atomic rename already survives a crashed process; fsync also
    survives a crashed machine).

    Raises:
        ValueError: if ``base_dir`` holds names written with another
            ``digest_len`` (the message names it).

    >>> import tempfile
    >>> d = FileDirDict(tempfile.mkdtemp(), file_type="json")
    >>> d["config", "retries"] = 3
    >>> d["config", "retries"], ("config", "retries") in d
    (3, True)
    """

    def __init__(self, base_dir: str | os.PathLike[str] = "__file_dir_dict__",
                 file_type: str = "pkl", immutable_items: bool = False, digest_len: int = 8,
                 base_class_for_values: type | None = None, *, durable: bool = False,
                 ttl: float | None = None, item_ttl: bool = False,
                 history: bool = False, signing_key: SigningKey = None,
                 compress: str | None = None) -> None:
        if not isinstance(base_dir, (str, os.PathLike)):
            raise TypeError(f"base_dir must be a path, not {type(base_dir).__name__}")
        store = FileStore(base_dir, durable=durable, create=False)
        super().__init__(store, file_type=file_type, immutable_items=immutable_items,
                         digest_len=digest_len, base_class_for_values=base_class_for_values,
                         ttl=ttl, item_ttl=item_ttl, history=history, signing_key=signing_key,
                         compress=compress)
        # A folder written with another digest_len would look empty: name it instead.
        self._naming.check_layout(store.peek(_PEEK), store.root)
        store.make_root()  # only once every argument is checked

    def get_params(self) -> dict[str, Any]:
        return {"base_dir": self.base_dir, **self._shared_params(),
                "durable": self._folder.durable}

    @property
    def base_dir(self) -> str:
        return self._folder.root

    @property
    def _folder(self) -> FileStore:
        return self._backend  # type: ignore[return-value]
