"""Object proxies: field-level changes of one stored object, saved without lost updates.

The contract. A proxy holds a working copy of the object stored at one key and
a snapshot of its fields. Every use of the proxy first diffs the working copy
against the snapshot, so a field set through the proxy, a method that sets
attributes and an in-place change of a field value (``p.tags.append(x)``) are
all recorded the same way: as one step of ``FieldChange``s. Saving never writes
the working copy back whole: it applies the fields that differ from what was
last loaded onto the *latest* stored object by ``transform`` (compare-and-set,
retried), so concurrent proxies changing different fields of one object keep
each other's changes; on the same field the last save wins.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _fields
from ._fields import ABSENT
from ._who import Who
from .safe_str_tuple import NonEmptySafeStrTuple, SafeStrTuple

if TYPE_CHECKING:
    from .persi_dict import PersiDict

# Proxies holding changes not yet saved, kept alive here so that commit_all() still
# saves them after the caller dropped its reference (`c["bob"].age = 3`).
_unsaved: set[Proxy] = set()


@dataclass(frozen=True)
class FieldChange:
    """One field of one object changed: ``old`` and ``new`` are
    :data:`persidict.history.ABSENT` where the field did not / does not exist."""

    field: str
    old: Any
    new: Any
    time: float
    who: Who


class Proxy:
    """A live view of the object at ``key`` that records and saves field changes.

    Made by :meth:`PersiDict.proxy`. Attribute and item access read and change
    the object's fields; ``p["field"]`` also reaches a field whose name is one of
    the proxy's own (``changes``, ``commit``, ...).

    >>> from persidict import LocalDict
    >>> d = LocalDict()
    >>> d["dennis"] = {"name": "Dennis", "age": 41}
    >>> p = d.proxy("dennis")
    >>> p.age += 1
    >>> d["dennis"]["age"], [(c.field, c.old, c.new) for c in p.changes]
    (42, [('age', 41, 42)])
    >>> p.undo()
    >>> d["dennis"]["age"], len(p.changes)
    (41, 0)
    """

    __slots__ = ("_base", "_d", "_done", "_key", "_key_of", "_obj", "_obj_key", "_opened",
                 "_past", "_save_on_change", "_seen", "_undone")

    def __init__(self, d: PersiDict, key: NonEmptySafeStrTuple, *, save_on_change: bool = True,
                 key_of: Callable[[Any], Any] | None = None) -> None:
        if not isinstance(save_on_change, bool):
            raise TypeError(f"save_on_change must be a bool, not {type(save_on_change).__name__}")
        key = SafeStrTuple(key)
        if d.immutable_items:
            raise KeyError(f"cannot proxy {key!r}: this dict is write-once (immutable_items=True)")
        obj = d[key]
        _fields.check_settable(obj, key)
        setattr_ = object.__setattr__
        setattr_(self, "_d", d)
        setattr_(self, "_key", key)
        setattr_(self, "_key_of", key_of)
        setattr_(self, "_save_on_change", save_on_change)
        setattr_(self, "_obj", obj)
        setattr_(self, "_obj_key", self._computed_key(obj))
        loaded = _fields.snapshot(obj)
        setattr_(self, "_base", loaded)  # the fields as last loaded / saved
        setattr_(self, "_seen", loaded)  # the fields as last recorded
        setattr_(self, "_done", [])  # steps (lists of FieldChange), oldest first
        setattr_(self, "_undone", [])  # steps undone, the next to redo last
        setattr_(self, "_past", None)  # read from the history when first asked for
        setattr_(self, "_opened", time.time())  # later records are this proxy's own steps

    # --- the proxy's own API

    @property
    def key(self) -> SafeStrTuple:
        """The key of the object."""
        return self._key

    @property
    def save_on_change(self) -> bool:
        """Whether each change is saved at once (else by :meth:`commit`)."""
        return self._save_on_change

    @property
    def value(self) -> Any:
        """The working copy of the object (changes made to it are noticed too)."""
        self._notice()
        return self._obj

    @property
    def changes(self) -> list[FieldChange]:
        """The object's field changes, oldest first: its past from the dict's
        history (when the dict keeps one), then this proxy's changes not undone."""
        self._notice()
        if self._past is None:
            past = past_field_changes(self._d, self._key, until=self._opened)
            object.__setattr__(self, "_past", past)
        return self._past + [change for step in self._done for change in step]

    @property
    def dirty(self) -> bool:
        """Whether some field differs from what was last loaded or saved."""
        self._notice()
        return bool(_fields.diff(self._base, _fields.fields(self._obj)))

    def commit(self) -> None:
        """Save the unsaved field changes onto the latest stored object (a no-op if
        none); the working copy becomes that merged object.

        Raises:
            KeyError: if the key was deleted meanwhile (the changes stay unsaved).
            ConflictError: if 1,000 compare-and-set attempts all met another write.
        """
        self._notice()
        self._save()

    def undo(self) -> None:
        """Undo this proxy's last change step (saved at once when ``save_on_change``).
        Undoing is not a new change: the step moves to the redo stack.

        Raises:
            IndexError: if there is nothing to undo.
        """
        self._notice()
        if not self._done:
            raise IndexError(f"nothing to undo on the proxy of {self._key!r}")
        step = self._done.pop()
        self._undone.append(step)
        self._put(reversed([(c.field, c.old) for c in step]))

    def redo(self) -> None:
        """Redo the last undone step; a new change clears what can be redone.

        Raises:
            IndexError: if there is nothing to redo.
        """
        self._notice()
        if not self._undone:
            raise IndexError(f"nothing to redo on the proxy of {self._key!r}")
        step = self._undone.pop()
        self._done.append(step)
        self._put([(c.field, c.new) for c in step])

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Commit on a clean exit; after an exception the changes stay unsaved."""
        if exc_type is None:
            self.commit()

    def __repr__(self) -> str:
        return f"Proxy({self._key!r}, {self._obj!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"the proxy of {self._key!r} does not pickle: send the dict and the key,"
                        " and open a proxy there")

    # --- the object's fields

    def __getattr__(self, name: str) -> Any:
        # Only for names the proxy itself lacks: the object's fields and methods.
        if name.startswith("__"):
            raise AttributeError(name)
        self._notice()
        try:
            found = _fields.get_field(self._obj, name)
        except AttributeError:
            if not isinstance(self._obj, dict):
                raise
            found = getattr(self._obj, name)  # the stored dict's own methods
        if callable(found) and name not in self._seen:  # a method, which may set fields
            return _noticing(self, found)
        return found

    def __setattr__(self, name: str, value: Any) -> None:
        self._notice()
        _fields.set_field(self._obj, name, value)
        self._notice()

    def __delattr__(self, name: str) -> None:
        self._notice()
        if name not in _fields.fields(self._obj):
            raise AttributeError(f"{self._key!r} has no field {name!r}")
        _fields.set_field(self._obj, name, ABSENT)
        self._notice()

    def __getitem__(self, name: str) -> Any:
        self._notice()
        try:
            return _fields.get_field(self._obj, _field_name(name))
        except AttributeError:
            raise KeyError(name) from None

    def __setitem__(self, name: str, value: Any) -> None:
        self.__setattr__(_field_name(name), value)

    def __delitem__(self, name: str) -> None:
        try:
            self.__delattr__(_field_name(name))
        except AttributeError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        self._notice()
        return name in _fields.fields(self._obj)

    # --- recording and saving

    def _notice(self) -> None:
        """Record what changed in the working copy since the last look, as one step."""
        current = _fields.fields(self._obj)
        changed = _fields.diff(self._seen, current)
        if not changed:
            return
        if self._key_of is not None:
            self._refuse_key_change(changed)
        now, who = time.time(), Who.current()
        seen = _fields.snapshot(self._obj)  # its copies are the steps' new values too
        self._done.append([FieldChange(name, old, seen.get(name, ABSENT), now, who)
                           for name, old, _ in changed])
        self._undone.clear()
        object.__setattr__(self, "_seen", seen)
        self._saved_or_kept()

    def _refuse_key_change(self, changed: list[tuple[str, Any, Any]]) -> None:
        assert self._key_of is not None
        try:
            new_key = SafeStrTuple(self._key_of(self._obj))
        except Exception:
            self._restore(changed)
            raise
        if new_key != (self._obj_key or self._key):
            self._restore(changed)
            raise ValueError(f"this change would move the object from"
                             f" {self._obj_key or self._key!r} to"
                             f" {new_key!r}: the field a collection's key comes from cannot"
                             " change (delete the object and add it anew)")

    def _computed_key(self, obj: Any) -> SafeStrTuple | None:
        """The key a collection's key function gives ``obj`` (None: no collection, or
        none it can give), which a change may not alter; usually ``self.key``."""
        try:
            return None if self._key_of is None else SafeStrTuple(self._key_of(obj))
        except Exception:  # judged again, and raised, when a change is made
            return None

    def _restore(self, changed: list[tuple[str, Any, Any]]) -> None:
        for name, old, _ in changed:
            _fields.set_field(self._obj, name, copy.deepcopy(old))

    def _put(self, values: Iterator[tuple[str, Any]] | list[tuple[str, Any]]) -> None:
        """Set fields without recording a step (undo / redo), then save if saving at once."""
        for name, value in values:
            _fields.set_field(self._obj, name, copy.deepcopy(value))
        object.__setattr__(self, "_seen", _fields.snapshot(self._obj))
        self._saved_or_kept()

    def _saved_or_kept(self) -> None:
        _unsaved.add(self)  # until saved: even if the save below fails
        if self._save_on_change:
            self._save()

    def _save(self) -> None:
        unsaved = _fields.diff(self._base, _fields.fields(self._obj))
        if not unsaved:
            _unsaved.discard(self)
            return
        updates = [(name, new) for name, _, new in unsaved]

        def apply(latest: Any) -> Any:
            _fields.check_settable(latest, self._key)  # someone may have stored an int there
            for name, new in updates:
                _fields.set_field(latest, name, copy.deepcopy(new))
            return latest

        merged = self._d.transform(self._key, apply)
        saved = _fields.snapshot(merged)  # never changed in place, so both can share it
        object.__setattr__(self, "_obj", merged)
        object.__setattr__(self, "_obj_key", self._computed_key(merged))
        object.__setattr__(self, "_base", saved)
        object.__setattr__(self, "_seen", saved)
        _unsaved.discard(self)


def _field_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a field name must be a str, not {type(name).__name__}")
    return name


def _noticing(proxy: Proxy, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of the working copy, followed by a look for the fields it changed."""
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        finally:
            proxy._notice()

    call.__name__ = getattr(method, "__name__", "method")
    call.__doc__ = method.__doc__
    return call


def past_field_changes(d: PersiDict, key: SafeStrTuple, until: float) -> list[FieldChange]:
    """The field changes of ``key`` up to ``until``, oldest first, from the dict's
    history: each recorded value diffed with the one recorded before it (a key's
    first record counts as its creation); ``[]`` for a dict without history."""
    if not d.keeps_history:
        return []
    changes: list[FieldChange] = []
    before: dict[str, Any] = {}
    for change in reversed(d.history(key)):
        if change.time > until:
            break
        after = {} if change.new_value is ABSENT else _fields.fields(change.new_value)
        changes += [FieldChange(name, old, new, change.time, change.who)
                    for name, old, new in _fields.diff(before, after)]
        before = after
    return changes


def commit_all(d: PersiDict, key_of: Callable[[Any], Any] | None = None) -> int:
    """Commit every proxy of ``d`` with unsaved changes (with ``key_of``: those of
    the collection keyed by it); return how many saved.

    Raises:
        KeyError, ConflictError: as :meth:`Proxy.commit` (the proxies after it stay
            unsaved, nothing is lost).
    """
    saved = 0
    for proxy in [p for p in _unsaved if p._d is d and key_of in (None, p._key_of)]:
        if proxy.dirty:
            proxy.commit()
            saved += 1
        _unsaved.discard(proxy)
    return saved
