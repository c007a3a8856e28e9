"""WriteOnceDict: the first write of a key wins; later ones are ignored (and sampled)."""

from __future__ import annotations

import random
from typing import Any

from ._bulk import Items, pairs_of
from .batch import Batch
from .jokers import Joker
from .persi_dict import PersiDict
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple
from .wrappers import PersiDictWrapper


class WriteOnceDict(PersiDictWrapper):
    """Wraps a write-once dict (``immutable_items=True``) so that a second write of a
    key is ignored instead of refused.

    With probability ``p_consistency_checks`` (``None`` means 0) an ignored write
    is compared with the stored value (as bytes, see :meth:`PersiDict.holds`: NaN
    and objects without ``__eq__`` compare equal to themselves), and a difference
    raises ``ValueError``.

    >>> from persidict import LocalDict
    >>> d = WriteOnceDict(LocalDict(immutable_items=True), p_consistency_checks=1)
    >>> d["k"] = "first"
    >>> d["k"] = "first"
    >>> d["k"], d.consistency_checks_passed
    ('first', 1)
    """

    def __init__(self, wrapped_dict: PersiDict,
                 p_consistency_checks: float | None = None) -> None:
        super().__init__(wrapped_dict)
        if not wrapped_dict.immutable_items:
            raise ValueError("WriteOnceDict needs a dict with immutable_items=True")
        p = 0.0 if p_consistency_checks is None else p_consistency_checks
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError("p_consistency_checks must be a number or None")
        if not 0 <= p <= 1:
            raise ValueError(f"p_consistency_checks must be within [0, 1], got {p}")
        self._p = float(p)
        self.consistency_checks_attempted = 0
        self.consistency_checks_passed = 0

    @property
    def p_consistency_checks(self) -> float:
        """The probability that an ignored write is checked against the stored value."""
        return self._p

    @property
    def consistency_checks_failed(self) -> int:
        """How many checks found a different value."""
        return self.consistency_checks_attempted - self.consistency_checks_passed

    def get_params(self) -> dict[str, Any]:
        return {"wrapped_dict": self._inner, "p_consistency_checks": self._p}

    def __setitem__(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        if isinstance(value, Joker):
            self._inner[key] = value
        elif not self._inner.add(key, value) and random.random() < self._p:
            self._check(key, value)

    def set(self, key: NonEmptySafeStrTuple, value: Any, *, ttl: float | None = None) -> None:
        """As ``d[key] = value`` (a later write is ignored), with ``ttl`` as
        :meth:`PersiDict.set` takes it."""
        if ttl is None or isinstance(value, Joker):
            self[key] = value
            return
        try:
            self._inner.set(key, value, ttl=ttl)
        except KeyError:  # already set: ignored, as by d[key] = value
            if random.random() < self._p:
                self._check(key, value)

    def _check(self, key: NonEmptySafeStrTuple, value: Any) -> None:
        self.consistency_checks_attempted += 1
        if not self._inner.holds(key, value):
            raise ValueError(f"{key!r} is stored with a different value than the one"
                             " written again")
        self.consistency_checks_passed += 1

    def set_many(self, items: Items) -> None:
        """Write the items in order: the first value of a key wins, later ones are
        ignored (and sampled, each against the stored value)."""
        pairs = list(pairs_of(items))
        for key, value in pairs:  # first, so that DELETE_CURRENT refuses before any write
            if isinstance(value, Joker):
                self._inner[key] = value
        firsts: dict[SafeStrTuple, Any] = {}
        rewrites = []
        for key, value in pairs:
            if not isinstance(value, Joker):
                key = SafeStrTuple(key)
                if key in firsts:
                    rewrites.append((key, value))
                else:
                    firsts[key] = value
        present = self._inner.add_many(firsts.items())
        for key, value in [(key, firsts[key]) for key in present] + rewrites:
            if random.random() < self._p:
                self._check(key, value)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        PersiDict.update(self, other, **kwargs)

    def batch(self, *, max_pending: int = 1000) -> Batch:
        """A batch of the wrapped dict in which, as here, the first write of a key
        wins and later ones are ignored (and sampled: a difference is reported in
        the ``BatchError`` as a ``ValueError``).

        Raises:
            TypeError: if the wrapped dict is itself a wrapper.
        """
        if isinstance(self._inner, PersiDictWrapper):
            raise TypeError("WriteOnceDict.batch() needs a dict over a store, not a"
                            f" {type(self._inner).__name__} wrapper")
        return _FirstWriteWins(self, max_pending)


class _FirstWriteWins(Batch):
    def __init__(self, wrapper: WriteOnceDict, max_pending: int) -> None:
        super().__init__(wrapper.inner, max_pending=max_pending)
        self._wrapper = wrapper

    def _already_set(self, key: SafeStrTuple, value: Any) -> Exception | None:
        if random.random() < self._wrapper.p_consistency_checks:
            self._wrapper._check(key, value)  # a ValueError fails the item
        return None
