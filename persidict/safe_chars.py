"""The characters a key component may contain, and helpers around them."""

from __future__ import annotations

import string

SAFE_CHARS_SET: frozenset[str] = frozenset(string.ascii_letters + string.digits + "()_-~.=")
SAFE_STRING_MAX_LENGTH = 254  # a component must be strictly shorter than this


def get_safe_chars() -> set[str]:
    """Return the set of characters allowed in a key component."""
    return set(SAFE_CHARS_SET)


def replace_unsafe_chars(a_str: str, replace_with: str) -> str:
    """Return ``a_str`` with every character outside ``SAFE_CHARS_SET`` replaced.

    Raises:
        TypeError: if an argument is not a ``str``.
    """
    if not isinstance(a_str, str) or not isinstance(replace_with, str):
        raise TypeError("replace_unsafe_chars() takes two str arguments")
    return "".join(c if c in SAFE_CHARS_SET else replace_with for c in a_str)
