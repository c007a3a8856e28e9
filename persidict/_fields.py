"""The fields of a stored object, as proxies see them: a dict's items, or the
attributes of a pydantic model, a dataclass or any object with a ``__dict__`` or
``__slots__``. Reading, snapshotting, comparing and setting them, nothing else.
A missing field's value is :data:`persidict.history.ABSENT`."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

from .history import ABSENT  # one marker for both: a history's values and field changes
from .safe_str_tuple import SafeStrTuple


def check_settable(obj: Any, key: SafeStrTuple) -> None:
    """Raise ``TypeError`` naming ``key`` and the type if ``obj``'s fields cannot be set."""
    why = _why_not_settable(obj)
    if why:
        raise TypeError(f"cannot proxy {key!r}: its {type(obj).__name__} value {why}")


def _why_not_settable(obj: Any) -> str:
    if isinstance(obj, dict):
        return ""
    if dataclasses.is_dataclass(obj) and obj.__dataclass_params__.frozen:  # type: ignore[union-attr]
        return "is a frozen dataclass"
    config = getattr(type(obj), "model_config", None)
    if isinstance(config, dict) and config.get("frozen"):
        return "is a frozen pydantic model"
    if not hasattr(obj, "__dict__") and not _slot_names(obj):
        return "has no fields to set (an object with attributes or a dict is needed)"
    return ""


def _slot_names(obj: Any) -> list[str]:
    names = []
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    return [n for n in names if not n.startswith("__")]  # pydantic's own slots are dunders


def fields(obj: Any) -> dict[str, Any]:
    """The fields of ``obj`` by name (live values, not copies); ``{}`` for a value
    that has none (such as an int in a key's history)."""
    if isinstance(obj, dict):
        return dict(obj)
    found = {name: getattr(obj, name) for name in _slot_names(obj) if hasattr(obj, name)}
    found.update(getattr(obj, "__dict__", {}))
    return found


def snapshot(obj: Any) -> dict[str, Any]:
    """A deep copy of the fields of ``obj``, to diff later in-place changes against."""
    return copy.deepcopy(fields(obj))


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for every field that differs (``ABSENT`` where missing)."""
    changed = []
    for name in {**before, **after}:
        old, new = before.get(name, ABSENT), after.get(name, ABSENT)
        if not same(old, new):
            changed.append((name, old, new))
    return changed


def same(a: Any, b: Any) -> bool:
    """Whether two field values are equal: by ``==`` where it gives a bool, else
    (numpy arrays, objects without ``__eq__`` after a deep copy) by their pickles."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        equal = a == b
        if isinstance(equal, bool) and (equal or type(a).__eq__ is not object.__eq__):
            return equal
    except Exception:  # some __eq__ refuse other values: the pickles decide
        pass
    try:
        return pickle.dumps(a) == pickle.dumps(b)
    except Exception:
        return False


def get_field(obj: Any, name: str) -> Any:
    """The field ``name`` of ``obj``; ``AttributeError`` if it has none."""
    if isinstance(obj, dict):
        try:
            return obj[name]
        except KeyError:
            raise AttributeError(f"the stored dict has no item {name!r}") from None
    return getattr(obj, name)


def set_field(obj: Any, name: str, value: Any) -> None:
    """Set (or, for ``ABSENT``, remove) the field ``name`` of ``obj``."""
    if isinstance(obj, dict):
        if value is ABSENT:
            obj.pop(name, None)
        else:
            obj[name] = value
    elif value is ABSENT:
        if hasattr(obj, name):
            delattr(obj, name)
    else:
        setattr(obj, name, value)
