"""A proxy's changes include the object's whole past from the dict's history
(history=True), so a proxy opened later, by another process, still shows them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from proxy_models import Person

from persidict import PersiDict
from persidict._who import Who
from persidict.history import ABSENT


def test_a_later_proxy_shows_the_past_field_changes(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(history=True)
    d["dennis"] = Person(name="dennis", age=41)
    d["dennis"] = Person(name="dennis", age=42)  # a plain write is a change too
    p = d.proxy("dennis")
    p.name = "Dennis"
    p.birthday()
    later = make_dict(history=True).proxy("dennis")  # a fresh handle on the same store
    assert [(c.field, c.old, c.new) for c in later.changes] == [(c.field, c.old, c.new)
                                                                for c in p.changes] == [
        ("name", ABSENT, "dennis"), ("age", ABSENT, 41), ("tags", ABSENT, []),
        ("age", 41, 42),
        ("name", "dennis", "Dennis"),
        ("age", 42, 43), ("tags", [], ["turned 43"]),
    ]
    assert all(c.who == Who.current() for c in later.changes)
    times = [c.time for c in later.changes]
    assert times == sorted(times)
    assert later.changes[-1].time == pytest.approx(p.changes[-1].time, abs=2)
    assert not later.can_undo  # undo steps through this proxy's own changes only


def test_the_past_survives_a_delete_and_a_new_object(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(history=True)
    d["k"] = {"a": 1}
    del d["k"]
    d["k"] = {"b": 2}
    assert [(c.field, c.old, c.new) for c in d.proxy("k").changes] == [
        ("a", ABSENT, 1), ("a", 1, ABSENT), ("b", ABSENT, 2)]
