"""Key <-> store name: the layout of DESIGN.md §5, cached both ways."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeVar

from .safe_str_tuple import SafeStrTuple
from .safe_str_tuple_signing import sign_component, unsign_component

_SAFE = r"[A-Za-z0-9()_\-~.=]"
_SAFE_NAME = re.compile(f"(?:{_SAFE}+/)*{_SAFE}+")
_MAX_CACHED = 1 << 16
_CACHEABLE = frozenset({str, tuple, SafeStrTuple})
T = TypeVar("T")
_new_key = tuple.__new__  # builds a SafeStrTuple from parts already checked


class Naming:
    """Names are ``c1/c2/.../cn.<file_type>``, each part carrying a digest suffix
    when ``digest_len > 0``."""

    __slots__ = ("_all_leaves", "_cut", "_dir_key", "_folder_key", "_leaf", "_names",
                 "digest_len", "suffix")

    def __init__(self, file_type: str, digest_len: int) -> None:
        self.suffix = "." + file_type
        self.digest_len = digest_len
        # key as the user gives it -> name: a pure function, so a plain dict
        # (emptied when full) caches it; a hit costs one lookup
        self._names: dict[object, str] = {}
        self._dir_key = lru_cache(maxsize=1 << 12)(self._unsign_dir)
        self._folder_key = lru_cache(maxsize=1 << 12)(self._safe_folder_key)
        digest = f"_{_SAFE}{{{digest_len}}}" if digest_len else ""
        tail = digest + re.escape(self.suffix)
        not_dots = f"(?!\\.\\.?{tail}(?:\n|$))"  # "." and ".." are never key parts
        self._leaf = re.compile(f"{not_dots}({_SAFE}+){tail}")
        self._all_leaves = re.compile(  # leaves joined by "\n"
            f"(?:{not_dots}{_SAFE}+{tail}\n)*{not_dots}{_SAFE}+{tail}")
        self._cut = len(self.suffix) + (digest_len + 1 if digest_len else 0)

    def _name(self, key: SafeStrTuple) -> str:
        return self.dir_name(key) + self.suffix

    def dir_name(self, key: tuple[str, ...]) -> str:
        """The name of the folder holding the keys that start with ``key``."""
        n = self.digest_len
        return "/".join([sign_component(c, n) for c in key] if n else key)

    def name(self, key: object) -> str:
        """The name of ``key`` as the user gives it (a str, tuple or SafeStrTuple).

        A str or tuple seen before is looked up as given, without building and
        validating a SafeStrTuple again: being equal to a key that passed
        validation, it has that key's name.

        Raises:
            TypeError, ValueError: for a bad key (see :class:`SafeStrTuple`).
        """
        cacheable = type(key) in _CACHEABLE
        if cacheable:
            try:
                name = self._names.get(key)
            except TypeError:  # a tuple holding a list
                cacheable = False
            else:
                if name is not None:
                    return name
        name = self._name(key if type(key) is SafeStrTuple else SafeStrTuple(key))
        if cacheable:
            if len(self._names) >= _MAX_CACHED:
                self._names.clear()
            self._names[key] = name
        return name

    def key(self, name: str) -> SafeStrTuple | None:
        """The key a listed name stands for; ``None`` for a name that is not one."""
        folder, slash, leaf = name.rpartition("/")
        found = self._leaf.fullmatch(leaf)
        if found is None:
            return None
        if not slash:
            return _new_key(SafeStrTuple, (found[1],))
        dirs = self._folder_key(folder)
        return None if dirs is None else _new_key(SafeStrTuple, (*dirs, found[1]))

    def keys_in(self, folder: str, leaves: list[str]) -> list[SafeStrTuple]:
        """The keys that the names ``folder/leaf`` stand for, skipping names that are
        not keys' (the folder is checked once, the leaves in one regex call)."""
        dirs = self._folder_key(folder) if folder else ()
        if dirs is None:
            return []
        if self._all_keys(leaves):  # the usual case: cut the suffix off each leaf
            cut = -self._cut
            if len(dirs) == 1:
                top = dirs[0]
                return [_new_key(SafeStrTuple, (top, leaf[:cut])) for leaf in leaves]
            return [_new_key(SafeStrTuple, (*dirs, leaf[:cut])) for leaf in leaves]
        parts = [found[1] for found in map(self._leaf.fullmatch, leaves) if found]
        return [_new_key(SafeStrTuple, (*dirs, part)) for part in parts]

    def keyed(self, folder: str, leaves: list[str],
              extras: list[T]) -> list[tuple[SafeStrTuple, T]]:
        """As :meth:`keys_in`, each key paired with the extra of its leaf."""
        dirs = self._folder_key(folder) if folder else ()
        if dirs is None:
            return []
        parts = self._leaf_parts(leaves)
        if parts is None:
            matches = map(self._leaf.fullmatch, leaves)
            return [(_new_key(SafeStrTuple, (*dirs, found[1])), extra)
                    for found, extra in zip(matches, extras, strict=True) if found]
        return [(_new_key(SafeStrTuple, (*dirs, part)), extra)
                for part, extra in zip(parts, extras, strict=True)]

    def count_in(self, folder: str, leaves: list[str]) -> int:
        """How many of the names ``folder/leaf`` are keys'."""
        if folder and self._folder_key(folder) is None:
            return 0
        if self._leaf_parts(leaves) is not None:
            return len(leaves)
        return sum(1 for found in map(self._leaf.fullmatch, leaves) if found)

    def _all_keys(self, leaves: list[str]) -> bool:
        """Whether every leaf is a key's (checked by one regex over them all)."""
        joined = "\n".join(leaves)
        # no leaf holds a "\n" (which would fool the line-wise check), every line is a key's
        return joined.count("\n") == len(leaves) - 1 and bool(self._all_leaves.fullmatch(joined))

    def _leaf_parts(self, leaves: list[str]) -> list[str] | None:
        """The key part of every leaf if all are keys' (the usual case), else None."""
        if self._all_keys(leaves):
            cut = self._cut
            return [leaf[:-cut] for leaf in leaves]
        return None

    def part(self, entry: str) -> str | None:
        """The key component a folder entry stands for (a leaf ``c<suffix>`` or a
        folder ``c/``, with their digest suffixes); ``None`` if it is not a key's."""
        if entry.endswith("/"):
            parts = self._folder_key(entry[:-1])
            return parts[0] if parts and len(parts) == 1 else None
        found = self._leaf.fullmatch(entry)
        return found[1] if found else None

    def dir_key(self, dir_name: str) -> str | None:
        """The key component a listed folder stands for; ``None`` if foreign."""
        found = self._dir_key(dir_name)
        return found[0] if found else None

    def _safe_folder_key(self, folder: str) -> tuple[str, ...] | None:
        return self._unsign_dir(folder) if _SAFE_NAME.fullmatch(folder) else None

    def _unsign_dir(self, folder: str) -> tuple[str, ...] | None:
        parts = folder.split("/")
        n = self.digest_len
        if n:
            plain = [unsign_component(p, n) for p in parts]
            if any(p == q for p, q in zip(parts, plain, strict=True)):  # no valid suffix
                return None
            parts = plain
        return None if "." in parts or ".." in parts else tuple(parts)
