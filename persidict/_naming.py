"""Key <-> store name: the layout of DESIGN.md §5, cached both ways."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from .safe_str_tuple import SafeStrTuple
from .safe_str_tuple_signing import digest_len_of, sign_component, unsign_component

_SAFE = r"[A-Za-z0-9()_\-~.=]"
_DIGEST = "[a-z2-7=]"  # lower-case base32 (its padding shows past 26 characters)
_SAFE_NAME = re.compile(f"(?:{_SAFE}+/)*{_SAFE}+")
_SAFE_PART = re.compile(f"{_SAFE}+")
# A valid digest suffix this long is no accident (1 in 32**3): a name that carries
# one of another length was written with that digest_len.
_SURE_DIGEST = 3
_MAX_CACHED = 1 << 16
_CACHEABLE = frozenset({str, tuple, SafeStrTuple})
T = TypeVar("T")
_new_key = tuple.__new__  # builds a SafeStrTuple from parts already checked


class Naming:
    """Names are ``c1/c2/.../cn.<file_type>``, each part carrying a digest suffix
    when ``digest_len > 0``."""

    __slots__ = ("_all_leaves", "_check_name", "_cut", "_dir_key", "_folder_key", "_leaf", "_names",
                 "_refuse_value_names", "digest_len", "suffix")

    def __init__(self, file_type: str, digest_len: int, *,
                 refuse_value_names: bool = False,
                 check_name: Callable[[str], None] | None = None) -> None:
        self.suffix = "." + file_type
        self.digest_len = digest_len
        # with digest_len=0 the folder "b.pkl" of key ("b.pkl", "x") is the file of
        # key "b": such keys are refused on every backend, so that the parameter
        # means the same everywhere
        self._refuse_value_names = refuse_value_names
        # the store's own limits (a file name's length, an S3 key's), checked when a
        # key is first named, so that a bulk write refuses before it writes anything
        self._check_name = check_name
        # key as the user gives it -> name: a pure function, so a plain dict
        # (emptied when full) caches it; a hit costs one lookup
        self._names: dict[object, str] = {}
        self._dir_key = lru_cache(maxsize=1 << 12)(self._unsign_dir)
        self._folder_key = lru_cache(maxsize=1 << 12)(self._safe_folder_key)
        digest = f"_{_DIGEST}{{{digest_len}}}" if digest_len else ""
        tail = digest + re.escape(self.suffix)
        not_dots = f"(?!\\.\\.?{tail}(?:\n|$))"  # "." and ".." are never key parts
        self._leaf = re.compile(f"{not_dots}({_SAFE}+){tail}")
        self._all_leaves = re.compile(  # leaves joined by "\n"
            f"(?:{not_dots}{_SAFE}+{tail}\n)*{not_dots}{_SAFE}+{tail}")
        self._cut = len(self.suffix) + (digest_len + 1 if digest_len else 0)

    def _name(self, key: SafeStrTuple) -> str:
        if self._refuse_value_names:
            self._check_folder_parts(key[:-1])
        return self._join(key) + self.suffix

    def dir_name(self, key: tuple[str, ...]) -> str:
        """The name of the folder holding the keys that start with ``key``."""
        if self._refuse_value_names:
            self._check_folder_parts(key)
        return self._join(key)

    def _join(self, key: tuple[str, ...]) -> str:
        n = self.digest_len
        return "/".join([sign_component(c, n) for c in key] if n else key)

    def _check_folder_parts(self, parts: Iterable[str]) -> None:
        for part in parts:
            if part.endswith(self.suffix):
                raise ValueError(
                    f"key part {part!r} ends with {self.suffix!r}: with digest_len=0 its"
                    f" folder would be the same file as the value of key"
                    f" {part[:-len(self.suffix)]!r}, so it may only be the last part"
                    " (a digest_len > 0 keeps such keys apart)")

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
        if self._check_name is not None:
            self._check_name(name)
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
        parts = [found[1] for found in self._slow_matches(leaves) if found]
        return [_new_key(SafeStrTuple, (*dirs, part)) for part in parts]

    def keyed(self, folder: str, leaves: list[str],
              extras: list[T]) -> list[tuple[SafeStrTuple, T]]:
        """As :meth:`keys_in`, each key paired with the extra of its leaf."""
        dirs = self._folder_key(folder) if folder else ()
        if dirs is None:
            return []
        parts = self._leaf_parts(leaves)
        if parts is None:
            matches = self._slow_matches(leaves)
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
        return sum(1 for found in self._slow_matches(leaves) if found)

    def _slow_matches(self, leaves: list[str]) -> list[re.Match[str] | None]:
        """Each leaf matched alone, when some are not keys' (the slow path): a leaf
        written with another digest_len raises rather than being skipped."""
        matches = list(map(self._leaf.fullmatch, leaves))
        for leaf, found in zip(leaves, matches, strict=True):
            if found is None and leaf.endswith(self.suffix):
                self._check_written_len(leaf[:-len(self.suffix)], leaf)
        return matches

    def _check_written_len(self, part: str, name: str) -> None:
        written = digest_len_of(part)
        if written >= _SURE_DIGEST and written != self.digest_len:
            raise self._other_digest_len(written, name, "here")

    def _other_digest_len(self, written: int, name: str, where: str) -> ValueError:
        return ValueError(f"{where} holds names written with digest_len={written}"
                          f" (e.g. {name!r}), not digest_len={self.digest_len}: open it"
                          f" with digest_len={written}")

    def check_layout(self, entries: Iterable[tuple[str, bool]], where: str) -> None:
        """Raise ``ValueError`` naming the digest_len that ``entries`` (``(name,
        is_folder)`` at the top of a folder) were written with, if not ours.

        Any entry in our layout settles it. A name without a suffix counts against
        a digest_len > 0; against 0, only a valid suffix of 3 or more characters
        (a shorter one can be part of a key by chance)."""
        n = self.digest_len
        seen: Counter[int] = Counter()
        example: dict[int, str] = {}
        for name, is_folder in entries:
            part = name if is_folder else name[:-len(self.suffix)]
            if not (is_folder or name.endswith(self.suffix)) or not _SAFE_PART.fullmatch(part):
                continue  # not a key's
            written = digest_len_of(part)
            if written == n or (n == 0 and written < _SURE_DIGEST):
                return
            seen[written] += 1
            example.setdefault(written, name)
        if seen:
            written = seen.most_common(1)[0][0]
            raise self._other_digest_len(written, example[written], where)

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
                for part in parts:
                    self._check_written_len(part, folder)
                return None
            parts = plain
        return None if "." in parts or ".." in parts else tuple(parts)
