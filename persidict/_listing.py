"""Key listing for PersiDict, done once for ``list(d)``.

``list(d)``, ``sorted(d)``, ``tuple(d)`` (and the same over ``d.keys()``,
``d.values()``, ``d.items()``) make one C call that first calls ``iter(d)``,
then ``len(d)`` for a size hint, and only then pulls keys. Each of ``len`` and
the iterator is a whole listing (one LIST per 1,000 keys on S3). So ``len``
hands the listing it makes to the iterator made just before it, but only when
both were asked for by that same call: the same caller frame at the same
instruction (``f_lasti``), with the iterator not yet started. The listing is
then as fresh as the iterator's own first step would have made it. Any other
``len`` keeps nothing (it streams, as before), and no listing is ever served to
a later, separate iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import FrameType

from ._naming import Naming
from .safe_str_tuple import SafeStrTuple

Groups = list[tuple[str, list[str]]]
Lister = Callable[[], Iterator[tuple[str, list[str]]]]  # one listing: (folder, leaves) groups


class Pending:
    """An iterator's claim to a listing that the next ``len`` from its call site makes."""

    __slots__ = ("caller", "groups", "lasti", "started")

    def __init__(self, caller: FrameType) -> None:
        self.caller = id(caller)  # an id, not the frame: holding it would keep its locals
        self.lasti = caller.f_lasti
        self.started = False
        self.groups: Groups | None = None

    def asked_from(self, caller: FrameType) -> bool:
        return not self.started and self.caller == id(caller) and self.lasti == caller.f_lasti


def keys(lister: Lister, naming: Naming,
         caller: FrameType) -> tuple[Pending, Iterator[SafeStrTuple]]:
    """A key iterator that lists when first pulled, unless a ``len`` from ``caller``'s
    same instruction hands it a listing first; and the claim that lets it."""
    pending = Pending(caller)
    return pending, _keys(lister, naming, pending)


def _keys(lister: Lister, naming: Naming, pending: Pending) -> Iterator[SafeStrTuple]:
    pending.started = True
    given, pending.groups = pending.groups, None
    groups = lister() if given is None else _draining(given)
    keys_in = naming.keys_in
    for folder, leaves in groups:
        yield from keys_in(folder, leaves)


def _draining(groups: Groups) -> Iterator[tuple[str, list[str]]]:
    groups.reverse()  # each group freed once its keys are made
    while groups:
        yield groups.pop()


def count(lister: Lister, naming: Naming, caller: FrameType, pending: Pending | None) -> int:
    """The number of keys; handed to ``pending`` if the same call made it."""
    groups = lister()
    if pending is not None and pending.asked_from(caller):
        groups = pending.groups = list(groups)  # type: ignore[assignment]
    count_in = naming.count_in
    return sum(count_in(folder, leaves) for folder, leaves in groups)
