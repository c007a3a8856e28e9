"""Key <-> store name: the layout of DESIGN.md §5, cached both ways."""

from __future__ import annotations

import re
from functools import lru_cache

from .safe_str_tuple import SafeStrTuple
from .safe_str_tuple_signing import sign_component, unsign_component

_SAFE_NAME = re.compile(r"(?:[A-Za-z0-9()_\-~.=]+/)*[A-Za-z0-9()_\-~.=]+")


class Naming:
    """Names are ``c1/c2/.../cn.<file_type>``, each part carrying a digest suffix
    when ``digest_len > 0``."""

    __slots__ = ("_dir_key", "digest_len", "name", "suffix")

    def __init__(self, file_type: str, digest_len: int) -> None:
        self.suffix = "." + file_type
        self.digest_len = digest_len
        self.name = lru_cache(maxsize=1 << 16)(self._name)
        self._dir_key = lru_cache(maxsize=1 << 12)(self._unsign_dir)

    def _name(self, key: SafeStrTuple) -> str:
        return self.dir_name(key) + self.suffix

    def dir_name(self, key: SafeStrTuple) -> str:
        """The name of the folder holding the keys that start with ``key``."""
        n = self.digest_len
        return "/".join([sign_component(c, n) for c in key] if n else key)

    def key(self, name: str) -> SafeStrTuple | None:
        """The key a listed name stands for; ``None`` for a name that is not one."""
        if not _SAFE_NAME.fullmatch(name):
            return None
        folder, _, leaf = name.rpartition("/")
        leaf = leaf[: -len(self.suffix)]
        n = self.digest_len
        if n:
            if len(leaf) <= n + 1 or leaf[-n - 1] != "_":
                return None
            leaf = leaf[: -n - 1]
        if not leaf:
            return None
        if not folder:
            return SafeStrTuple._trusted((leaf,))
        dirs = self._dir_key(folder)
        return None if dirs is None else SafeStrTuple._trusted((*dirs, leaf))

    def dir_key(self, dir_name: str) -> str | None:
        """The key component a listed folder stands for; ``None`` if foreign."""
        found = self._dir_key(dir_name)
        return found[0] if found else None

    def _unsign_dir(self, folder: str) -> tuple[str, ...] | None:
        parts = folder.split("/")
        n = self.digest_len
        if n:
            plain = [unsign_component(p, n) for p in parts]
            if any(p == q for p, q in zip(parts, plain, strict=True)):  # no valid suffix
                return None
            parts = plain
        return tuple(parts)
