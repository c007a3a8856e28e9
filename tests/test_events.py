"""In-process events on every backend: callbacks run after a change took effect,
never for a failed write; a failing callback is logged and stops nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from persidict import PersiDict
from persidict.history import ABSENT, UNRECORDED, Change

Make = Callable[..., PersiDict]


def test_callback_sees_the_change_after_it_took_effect(pdict: PersiDict) -> None:
    seen: list[tuple[Any, str, Any, Any]] = []

    def check(change: Change) -> None:
        now = pdict.get(change.key, ABSENT)  # the change is visible to the callback
        seen.append((change.key.strings, change.op, change.new_value, now))

    pdict.subscribe(check)
    pdict["a"] = 1
    pdict.add("b", 2)
    del pdict["a"]
    assert seen == [(("a",), "set", 1, 1), (("b",), "set", 2, 2),
                    (("a",), "delete", ABSENT, ABSENT)]


def test_failed_writes_call_nothing(make_dict: Make) -> None:
    d = make_dict(immutable_items=True, base_class_for_values=int)
    calls: list[Change] = []
    d.subscribe(calls.append)
    d["a"] = 1
    with pytest.raises(KeyError):
        d["a"] = 2
    assert not d.add("a", 3)
    with pytest.raises(TypeError):
        d["b"] = "not an int"
    assert [c.new_value for c in calls] == [1]


def test_failed_conditional_write_calls_nothing(pdict: PersiDict) -> None:
    calls: list[Change] = []
    pdict["a"] = 1
    pdict.subscribe(calls.append)
    assert not pdict.compare_and_set("a", 2, "stale")
    assert not pdict.compare_and_delete("a", "stale")
    assert not pdict.delete_if_exists("zz")
    assert calls == []


def test_raising_callback_is_logged_and_stops_nothing(pdict: PersiDict,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    def boom(change: Change) -> None:
        raise RuntimeError("subscriber bug")

    after: list[Change] = []
    pdict.subscribe(boom)
    pdict.subscribe(after.append)
    with caplog.at_level(logging.ERROR, logger="persidict"):
        pdict["a"] = 1
    assert pdict["a"] == 1
    assert len(after) == 1
    assert "subscriber bug" in caplog.text


def test_ops_filter_and_cancel(pdict: PersiDict) -> None:
    deletes: list[Change] = []
    sub = pdict.subscribe(deletes.append, ops=("delete",))
    pdict["a"] = 1
    del pdict["a"]
    assert [c.op for c in deletes] == ["delete"]
    assert sub.active
    sub.cancel()
    sub.cancel()  # twice is fine
    pdict["a"] = 1
    del pdict["a"]
    assert len(deletes) == 1
    assert not sub.active


def test_subdicts_share_subscriptions(pdict: PersiDict) -> None:
    root: list[Change] = []
    pdict.subscribe(root.append)
    sub = pdict.get_subdict("team")
    team: list[Change] = []
    sub.subscribe(team.append)
    sub["x"] = 1
    pdict["team", "y"] = 2
    pdict["other"] = 3
    assert [c.key.strings for c in root] == [("team", "x"), ("team", "y"), ("other",)]
    assert [c.key.strings for c in team] == [("x",), ("y",)]


def test_every_bulk_path_calls_back(pdict: PersiDict) -> None:
    calls: list[tuple[tuple[str, ...], str]] = []
    pdict.subscribe(lambda c: calls.append((c.key.strings, c.op)))
    pdict.set_many({"a": 1, "b": 2})
    with pdict.batch() as b:
        b["c"] = 3
    pdict.clear()
    assert sorted(calls) == sorted([(("a",), "set"), (("b",), "set"), (("c",), "set"),
                                    (("a",), "delete"), (("b",), "delete"), (("c",), "delete")])


def test_old_values_come_from_history_when_it_is_on(make_dict: Make) -> None:
    plain, recorded = make_dict("plain"), make_dict("recorded", history=True)
    for d in (plain, recorded):
        olds: list[Any] = []
        d.subscribe(lambda c, olds=olds: olds.append(c.old_value))
        d["a"] = 1
        d["a"] = 2
        assert olds[-1] == (UNRECORDED if d is plain else 1)


def test_bad_subscriptions_are_refused(pdict: PersiDict) -> None:
    with pytest.raises(TypeError, match="callable"):
        pdict.subscribe("print")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ops"):
        pdict.subscribe(print, ops=("update",))
    with pytest.raises(ValueError, match="ops"):
        pdict.subscribe(print, ops=())
    with pytest.raises(TypeError, match="ops"):
        pdict.subscribe(print, ops="set")
    pdict["a"] = 1  # nothing subscribed, nothing broken
    assert pdict["a"] == 1
