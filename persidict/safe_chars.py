"""The characters a key component may contain, and helpers around them."""

from __future__ import annotations

import string

_SAFE_CHARS: frozenset[str] = frozenset(string.ascii_letters + string.digits + "()_-~.=")
# A set, as in the seed; a copy: changing it changes no validation.
SAFE_CHARS_SET: set[str] = set(_SAFE_CHARS)
SAFE_STRING_MAX_LENGTH = 254  # a component must be strictly shorter than this


def get_safe_chars() -> set[str]:
    """Return the set of characters allowed in a key component."""
    return set(_SAFE_CHARS)


def replace_unsafe_chars(a_str: str, replace_with: str) -> str:
    """Return ``a_str`` with every character outside the safe ones replaced.

    Raises:
        TypeError: if an argument is not a ``str``.
    """
    if not isinstance(a_str, str) or not isinstance(replace_with, str):
        raise TypeError("replace_unsafe_chars() takes two str arguments")
    return "".join(c if c in _SAFE_CHARS else replace_with for c in a_str)
