"""SafeStrTuple: the validated, immutable key of every PersiDict."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, Union

from .safe_chars import SAFE_STRING_MAX_LENGTH

_SAFE_COMPONENT = re.compile(r"[A-Za-z0-9()_\-~.=]+")
# Valid parts joined by "/": safe characters, shorter than the limit, not "." or "..".
_SAFE_PART = rf"(?!\.\.?(?:/|$))[A-Za-z0-9()_\-~.=]{{1,{SAFE_STRING_MAX_LENGTH - 1}}}"
_SAFE_PATH = re.compile(f"{_SAFE_PART}(?:/{_SAFE_PART})*")

NonEmptySafeStrTuple = Union["SafeStrTuple", str, Iterable[Any]]
_tuple_eq = tuple.__eq__
_tuple_hash = tuple.__hash__


def _check_component(s: str) -> str:
    if not _SAFE_COMPONENT.fullmatch(s):
        if not s:
            raise ValueError("key components must be non-empty strings")
        bad = sorted({c for c in s if not _SAFE_COMPONENT.fullmatch(c)})
        raise ValueError(f"key component {s!r} contains unsafe characters {bad}")
    if len(s) >= SAFE_STRING_MAX_LENGTH:
        raise ValueError(
            f"key component {s[:20]!r}... is {len(s)} characters long;"
            f" the limit is {SAFE_STRING_MAX_LENGTH - 1}"
        )
    if s in (".", ".."):
        raise ValueError(f"key component {s!r} is not allowed")
    return s


def _flatten(arg: Any, out: list[str]) -> None:
    if isinstance(arg, str):
        out.append(_check_component(arg))
    elif isinstance(arg, SafeStrTuple):
        out.extend(arg)
    elif isinstance(arg, (bytes, bytearray, Mapping)) or not isinstance(arg, Iterable):
        raise TypeError(
            f"a key is a str or a sequence of str, not {type(arg).__name__}: {arg!r}"
        )
    else:
        for item in arg:
            _flatten(item, out)


class SafeStrTuple(tuple[str, ...]):
    """A flat, non-empty tuple of safe strings: the key of a PersiDict.

    Built from a ``str``, any (nested) sequence of strings, or several of
    them. It equals, and hashes as, the plain tuple it holds; a one-part key
    its str instead (so it is not equal to the 1-tuple: compare ``k.strings``).
    Keys order as tuples.

    >>> k = SafeStrTuple("users", ("alice", "2024"))
    >>> k
    SafeStrTuple('users', 'alice', '2024')
    >>> k == ("users", "alice", "2024") and k[1:] == ("alice", "2024")
    True
    >>> one = SafeStrTuple("users")
    >>> one == "users", one in {"users"}, one == ("users",), one.strings == ("users",)
    (True, True, False, True)

    Raises:
        TypeError: for a part that is not a str or a sequence of them.
        ValueError: for an empty key or a part with unsafe characters,
            too long, ``.`` or ``..``.
    """

    __slots__ = ()

    def __new__(cls, *args: Any) -> SafeStrTuple:
        if len(args) == 1:
            arg = args[0]
            kind = type(arg)
            if kind is cls:
                return arg
            # the usual keys, a str or a flat tuple of str, skip the general walk
            if kind is str:
                return tuple.__new__(cls, (_check_component(arg),))
            if kind is tuple and arg:
                try:
                    joined = "/".join(arg)
                except TypeError:  # a part that is not a str: the general walk
                    joined = ""
                if _SAFE_PATH.fullmatch(joined) and joined.count("/") == len(arg) - 1:
                    return tuple.__new__(cls, arg)
                # else the general walk says what is wrong
        strings: list[str] = []
        _flatten(args, strings)
        if not strings:
            raise ValueError("a key must have at least one component")
        return tuple.__new__(cls, strings)

    @classmethod
    def _trusted(cls, strings: tuple[str, ...]) -> SafeStrTuple:
        """Wrap strings already known to be valid (from our own listings)."""
        return tuple.__new__(cls, strings)

    @property
    def strings(self) -> tuple[str, ...]:
        """The components as a plain tuple."""
        return tuple(self)

    # A one-part key is its str, a longer one its plain tuple: equal to it and
    # hashed as it, so sets and dicts of either find keys. Nothing hashes as both
    # "a" and ("a",), hence a one-part key is not equal to the 1-tuple.
    # A subclass with its own __eq__ decides, on either side (Python asks it first
    # only when it subclasses the other operand's type).
    def __eq__(self, other: object) -> bool:
        if isinstance(other, SafeStrTuple):
            kind = type(other)
            if kind is not SafeStrTuple and kind.__eq__ is not SafeStrTuple.__eq__:
                return NotImplemented
            return _tuple_eq(self, other)
        if isinstance(other, tuple):
            return len(self) != 1 and _tuple_eq(self, other)
        if isinstance(other, str):
            return len(self) == 1 and self[0] == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return _tuple_hash(self) if len(self) != 1 else hash(self[0])

    def __add__(self, other: Any) -> SafeStrTuple:  # type: ignore[override]
        return SafeStrTuple(self, other)

    def __radd__(self, other: Any) -> SafeStrTuple:
        return SafeStrTuple(other, self)

    def __reversed__(self) -> SafeStrTuple:  # type: ignore[override]
        return SafeStrTuple._trusted(tuple(self)[::-1])

    def __repr__(self) -> str:
        return f"SafeStrTuple({', '.join(map(repr, self))})"

    def __getnewargs__(self) -> tuple[tuple[str, ...]]:  # type: ignore[override]
        return (tuple(self),)


# What may be given wherever a key is (the earlier releases' names; "non-empty"
# is checked when the key is built, not by the type).
PersiDictKey: TypeAlias = SafeStrTuple | str | Iterable[Any]
NonEmptyPersiDictKey: TypeAlias = PersiDictKey
