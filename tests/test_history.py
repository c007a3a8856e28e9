"""Change history on every backend: every write path records exactly one change,
failed writes record none, and history / changes / watch / revert / prune /
newest_keys answer from the records."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from typing import Any

import pytest

from persidict import DELETE_CURRENT, KEEP_CURRENT, CorruptValueError, PersiDict
from persidict.history import ABSENT, UNRECORDED, Change

Make = Callable[..., PersiDict]


@pytest.fixture
def hdict(make_dict: Make) -> PersiDict:
    return make_dict(history=True)


def ops(d: PersiDict) -> list[tuple[tuple[str, ...], str]]:
    """Every recorded change, oldest first, as (key, op)."""
    return [(c.key.strings, c.op) for c in d.changes()]


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_history_is_off_by_default_and_costs_no_record(make_dict: Make) -> None:
    d = make_dict()
    d["a"] = 1
    assert not d.keeps_history
    assert list(d.store.names()) == [d._name_of("a")]
    with pytest.raises(ValueError, match="history=True"):
        d.history("a")


def test_plain_writes_and_deletes_record_one_change_each(hdict: PersiDict) -> None:
    hdict["a"] = 1
    hdict["a"] = 2
    hdict["b", "c"] = 3
    del hdict["a"]
    assert ops(hdict) == [(("a",), "set"), (("a",), "set"), (("b", "c"), "set"),
                          (("a",), "delete")]
    newest = hdict.history("a")
    assert [(c.op, c.old_value, c.new_value) for c in newest] == [
        ("delete", 2, ABSENT), ("set", 1, 2), ("set", UNRECORDED, 1)]
    assert newest[0].time >= newest[1].time >= newest[2].time
    assert hdict.history("a", limit=1) == newest[:1]
    assert sorted(hdict) == [("b", "c")]
    assert len(hdict) == 1


def test_every_write_path_records_exactly_one_change(hdict: PersiDict) -> None:
    steps: list[tuple[Callable[[], Any], list[tuple[tuple[str, ...], str]]]] = [
        (lambda: hdict.__setitem__("k", 1), [(("k",), "set")]),
        (lambda: hdict.__setitem__("k", KEEP_CURRENT), []),
        (lambda: hdict.__setitem__("k", DELETE_CURRENT), [(("k",), "delete")]),
        (lambda: hdict.__setitem__("k", DELETE_CURRENT), []),
        (lambda: hdict.set_many({"a": 1, "b": 2}), [(("a",), "set"), (("b",), "set")]),
        (lambda: hdict.update(c=3), [(("c",), "set")]),
        (lambda: hdict.pop("c"), [(("c",), "delete")]),
        (lambda: hdict.pop("c", None), []),
        (lambda: hdict.add("n", 1), [(("n",), "set")]),
        (lambda: hdict.add("n", 2), []),
        (lambda: hdict.setdefault("s", 5), [(("s",), "set")]),
        (lambda: hdict.setdefault("s", 6), []),
        (lambda: hdict.incr("n"), [(("n",), "set")]),
        (lambda: hdict.transform("n", lambda v: v * 10), [(("n",), "set")]),
        (lambda: hdict.compare_and_set("n", 0, "stale-etag"), []),
        (lambda: hdict.compare_and_set("n", 0, hdict.etag("n")), [(("n",), "set")]),
        (lambda: hdict.compare_and_delete("n", "stale-etag"), []),
        (lambda: hdict.compare_and_delete("n", hdict.etag("n")), [(("n",), "delete")]),
        (lambda: hdict.delete_if_exists("s"), [(("s",), "delete")]),
        (lambda: hdict.discard("s"), []),
        (lambda: hdict.add_many({"x": 1, "a": 9}), [(("x",), "set")]),
    ]
    for step, expected in steps:
        before = len(list(hdict.changes()))
        step()
        assert ops(hdict)[before:] == expected, expected
    with hdict.batch() as b:
        b["p"] = 1
        b["q"] = 2
        del b["x"]
    assert sorted(ops(hdict)[-3:]) == [(("p",), "set"), (("q",), "set"), (("x",), "delete")]
    key, _ = hdict.popitem()
    assert ops(hdict)[-1] == (key.strings, "delete")
    left = set(hdict)
    hdict.clear()
    assert sorted(k for k, op in ops(hdict)[-len(left):]) == sorted(k.strings for k in left)
    assert {op for _, op in ops(hdict)[-len(left):]} == {"delete"}


def test_created_keys_have_absent_old_values(hdict: PersiDict) -> None:
    hdict.add("a", 1)
    hdict.setdefault("b", 2)
    assert hdict.history("a")[0].old_value is ABSENT
    assert hdict.history("b")[0].old_value is ABSENT


def test_write_once_refusal_records_nothing(make_dict: Make) -> None:
    d = make_dict(history=True, immutable_items=True)
    d["a"] = 1
    with pytest.raises(KeyError):
        d["a"] = 2
    assert ops(d) == [(("a",), "set")]
    assert d.history("a")[0].old_value is ABSENT  # write-once writes are creations


def test_subdicts_share_the_history(hdict: PersiDict) -> None:
    sub = hdict.get_subdict("team")
    sub["x"] = 1
    hdict["team", "y"] = 2
    assert [c.key.strings for c in sub.changes()] == [("x",), ("y",)]
    assert [c.key.strings for c in hdict.changes()] == [("team", "x"), ("team", "y")]
    assert hdict.history(("team", "x"))[0].new_value == 1
    assert sub.history("x")[0].new_value == 1
    assert sub.newest_keys(5) == ["y", "x"]
    assert list(hdict.subdicts()) == ["team"]


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_params_and_pickling_keep_history(hdict: PersiDict) -> None:
    assert hdict.get_params()["history"] is True
    again = type(hdict)(**hdict.get_params())
    assert again.keeps_history
    assert again == hdict
    again["a"] = 1
    assert [c.new_value for c in hdict.history("a")] == [1]
    if hdict.base_url.startswith(("memory:", "zip:")):  # memory, and a zip's one writer,
        return                                           # stay in this process
    unpickled = pickle.loads(pickle.dumps(hdict))
    assert unpickled.keeps_history


def test_changes_window_and_limit(hdict: PersiDict) -> None:
    hdict["a"] = 1
    middle = time.time()
    time.sleep(0.01)
    hdict["b"] = 2
    hdict["c"] = 3
    assert [c.key.strings for c in hdict.changes(since=middle)] == [("b",), ("c",)]
    assert [c.key.strings for c in hdict.changes(until=middle)] == [("a",)]
    assert [c.key.strings for c in hdict.changes(limit=2)] == [("a",), ("b",)]
    assert list(hdict.changes(since=time.time() + 60)) == []


def test_watch_yields_changes_as_they_come(hdict: PersiDict) -> None:
    hdict["old"] = 0
    feed = hdict.watch(poll=0.01)
    hdict["a"] = 1
    first = next(feed)
    assert (first.key.strings, first.new_value) == (("a",), 1)
    hdict["b"] = 2
    del hdict["a"]
    assert [(c.key.strings, c.op) for c in (next(feed), next(feed))] == [
        (("b",), "set"), (("a",), "delete")]
    feed.close()
    replay = hdict.watch(since=0, poll=0.01)
    assert next(replay).key == "old"
    replay.close()


def test_revert_puts_back_the_old_value_and_is_recorded(hdict: PersiDict) -> None:
    hdict["a"] = 1
    hdict["a"] = 2
    bad = hdict.history("a")[0]
    hdict.revert("a", bad)
    assert hdict["a"] == 1
    latest = hdict.history("a")[0]
    assert (latest.old_value, latest.new_value) == (2, 1)


def test_revert_of_a_creation_deletes_and_of_a_delete_restores(hdict: PersiDict) -> None:
    hdict.add("a", 1)
    hdict.revert("a", hdict.history("a")[0])
    assert "a" not in hdict
    hdict["b"] = 1
    hdict["b"] = 2
    del hdict["b"]
    hdict.revert("b", hdict.history("b")[0])
    assert hdict["b"] == 2


def test_revert_refuses_when_the_key_changed_since(hdict: PersiDict) -> None:
    hdict["a"] = 1
    hdict["a"] = 2
    change = hdict.history("a")[0]
    hdict["a"] = 3
    before = len(list(hdict.changes()))
    with pytest.raises(ValueError, match="changed since"):
        hdict.revert("a", change)
    assert hdict["a"] == 3
    assert len(list(hdict.changes())) == before


def test_revert_refuses_bad_input_and_writes_nothing(hdict: PersiDict) -> None:
    hdict["a"] = 1
    hdict["a"] = 2
    hdict["b"] = 1
    change_of_b = hdict.history("b")[0]
    with pytest.raises(ValueError, match="of key"):
        hdict.revert("a", change_of_b)
    with pytest.raises(TypeError, match="Change"):
        hdict.revert("a", "yesterday")
    first = hdict.history("a")[-1]  # old value before history: unrecorded
    assert first.old_value is UNRECORDED
    hdict["a"] = 1
    with pytest.raises(ValueError, match="not in the history"):
        hdict.revert("a", first)
    assert hdict["a"] == 1
    assert hdict["b"] == 1


def test_prune_drops_old_records_only(hdict: PersiDict) -> None:
    hdict["a"] = 1
    cut = time.time()
    time.sleep(0.01)
    hdict["a"] = 2
    assert hdict.prune_history(before=cut) == 1
    assert [c.new_value for c in hdict.history("a")] == [2]
    assert hdict.history("a")[0].old_value is UNRECORDED
    assert hdict["a"] == 2
    with pytest.raises(TypeError, match="before"):
        hdict.prune_history(before="yesterday")


def test_newest_keys_from_history_handle_overwrites_and_deletes(hdict: PersiDict) -> None:
    for k in "abcde":
        hdict[k] = k
    hdict["b"] = "again"
    del hdict["e"]
    hdict["d"] = DELETE_CURRENT
    assert hdict.newest_keys(3) == ["b", "c", "a"]
    assert hdict.newest_values(2) == ["again", "c"]
    assert hdict.newest_keys(10) == ["b", "c", "a"]
    assert sorted(hdict.newest_keys()) == ["a", "b", "c"]  # all: the listing's answer


def test_newest_keys_skip_other_file_types(make_dict: Make) -> None:
    pkl = make_dict(history=True)
    txt = make_dict(history=True, file_type="txt")
    pkl["a"] = 1
    txt["b"] = "x"
    assert pkl.newest_keys(5) == ["a"]
    assert txt.newest_keys(5) == ["b"]


def test_bad_input_is_refused(make_dict: Make, hdict: PersiDict) -> None:
    with pytest.raises(TypeError, match="history must be a bool"):
        make_dict(history="yes")
    for bad, error in [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("3", TypeError),
                       (True, TypeError)]:
        with pytest.raises(error, match="limit"):
            hdict.history("a", limit=bad)
        with pytest.raises(error, match="limit"):
            hdict.changes(limit=bad)
    for bad_poll, error in [(0, ValueError), (-1.0, ValueError), ("1", TypeError),
                            (float("nan"), ValueError)]:
        with pytest.raises(error, match="poll"):
            hdict.watch(poll=bad_poll)
    with pytest.raises(ValueError, match=r"since .* is after until"):
        hdict.changes(since=10, until=5)
    with pytest.raises(TypeError, match="since"):
        hdict.changes(since="yesterday")
    with pytest.raises(TypeError):
        hdict.history(["a", 1])


def test_corrupt_record_is_named_and_values_still_read(hdict: PersiDict) -> None:
    hdict["a"] = 1
    record = hdict.history("a")[0].record
    hdict.store.inner.write(record, b"garbage")
    with pytest.raises(CorruptValueError, match="history record"):
        hdict.history("a")
    assert hdict["a"] == 1
    assert list(hdict) == ["a"]
    assert hdict.newest_keys(1) == ["a"]
    hdict.store.inner.write("#history/9/junk", b"")
    with pytest.raises(CorruptValueError, match="junk"):
        list(hdict.changes())


def test_changes_are_frozen_and_compare_by_record(hdict: PersiDict) -> None:
    hdict["a"] = 1
    c = hdict.history("a")[0]
    assert isinstance(c, Change)
    assert c == hdict.history("a")[0]
    with pytest.raises(AttributeError):
        c.op = "delete"  # type: ignore[misc]
    assert c.who.pid > 0
    assert c.who.host
    assert c.who.user


def test_ttl_purge_and_per_item_ttl_are_recorded(make_dict: Make,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import persidict.ttl

    d = make_dict(history=True, ttl=10.0, item_ttl=True)
    d["a"] = 1
    d.set("b", 2, ttl=5.0)
    assert ops(d) == [(("a",), "set"), (("b",), "set")]  # the index entry is not a change
    assert d.history("b")[0].new_value == 2
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 7)
    assert d.newest_keys(5) == ["a"]  # b expired
    assert d.purge_expired() == 1
    assert ops(d)[-1] == (("b",), "delete")
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 60)
    assert d.newest_keys(5) == []


def test_wrappers_forward_history_and_events(make_dict: Make) -> None:
    from persidict import WriteOnceDict

    once = WriteOnceDict(make_dict(history=True, immutable_items=True))
    seen: list[Change] = []
    once.subscribe(seen.append)
    once["a"] = 1
    once["a"] = 2  # ignored by the wrapper: nothing written, nothing recorded
    assert once.keeps_history
    assert [c.new_value for c in once.history("a")] == [1]
    assert [c.new_value for c in seen] == [1]
    assert once.newest_keys(1) == ["a"]
