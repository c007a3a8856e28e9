"""Proxies over stored objects: field changes recorded and saved, dirty / commit,
undo / redo, merging onto the latest stored object, bad input. Every backend."""

from __future__ import annotations

import gc
import pickle
import time
from collections.abc import Callable
from typing import Any

import pytest
from proxy_models import MODELS, FrozenPerson, FrozenPet, Person, make_model

from persidict import FieldChange, PersiDict, Proxy
from persidict._who import Who
from persidict.history import ABSENT

KINDS = sorted(MODELS)


def field(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def steps(p: Proxy) -> list[tuple[str, Any, Any]]:
    return [(c.field, c.old, c.new) for c in p.changes]


@pytest.mark.parametrize("kind", KINDS)
def test_reads_go_through_and_a_change_is_saved_and_recorded(
        make_dict: Callable[..., PersiDict], kind: str) -> None:
    d = make_dict()
    d["dennis"] = make_model(kind)
    p = d.proxy("dennis")
    assert (p.name, p.age, p["age"]) == ("dennis", 41, 41)
    before = time.time()
    p.age += 1
    assert field(d["dennis"], "age") == 42
    [change] = p.changes
    assert (change.field, change.old, change.new) == ("age", 41, 42)
    assert before <= change.time <= time.time()
    assert change.who == Who.current()
    p["name"] = "Dennis"
    assert field(d["dennis"], "name") == "Dennis"
    assert steps(p)[-1] == ("name", "dennis", "Dennis")
    assert not p.dirty


@pytest.mark.parametrize("kind", KINDS)
def test_a_method_that_sets_fields_is_one_step(make_dict: Callable[..., PersiDict],
                                               kind: str) -> None:
    d = make_dict()
    d["dennis"] = make_model(kind)
    p = d.proxy("dennis")
    if kind == "dict":
        p.update(age=42, tags=["turned 42"])  # the stored dict's own methods
    else:
        assert p.birthday() == 42
    assert field(d["dennis"], "age") == 42
    assert field(d["dennis"], "tags") == ["turned 42"]
    assert sorted(steps(p)) == [("age", 41, 42), ("tags", [], ["turned 42"])]
    p.undo()  # the whole step
    assert field(d["dennis"], "age") == 41
    assert field(d["dennis"], "tags") == []
    assert p.changes == []


def test_every_value_format_works(pdict: PersiDict) -> None:
    pdict["dennis"] = Person(name="dennis", age=41)
    p = pdict.proxy("dennis")
    p.birthday()
    p.tags.append("in place")  # noticed at the proxy's next use
    assert p.age == 42
    assert pdict["dennis"] == Person(name="dennis", age=42, tags=["turned 42", "in place"])


def test_a_dict_gains_and_loses_fields(pdict: PersiDict) -> None:
    pdict["cfg"] = {"retries": 3}
    p = pdict.proxy("cfg")
    p["timeout"] = 30
    del p["retries"]
    assert pdict["cfg"] == {"timeout": 30}
    assert steps(p) == [("timeout", ABSENT, 30), ("retries", 3, ABSENT)]
    p.undo()
    p.undo()
    assert pdict["cfg"] == {"retries": 3}
    assert "retries" in p
    assert "timeout" not in p


def test_in_place_change_of_a_field_is_noticed(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d["dennis"] = Person(name="dennis", age=41)
    p = d.proxy("dennis", save_on_change=False)
    p.tags.append("x")
    assert p.dirty
    assert steps(p) == [("tags", [], ["x"])]
    assert d["dennis"].tags == []
    p.commit()
    assert d["dennis"].tags == ["x"]
    assert not p.dirty


def test_save_on_change_false_saves_on_commit_only(pdict: PersiDict) -> None:
    pdict["dennis"] = {"name": "dennis", "age": 41}
    p = pdict.proxy("dennis", save_on_change=False)
    assert not p.dirty
    assert not p.save_on_change
    p.age += 1
    p.age += 1
    assert p.dirty
    assert pdict["dennis"]["age"] == 41
    assert steps(p) == [("age", 41, 42), ("age", 42, 43)]
    p.commit()
    assert not p.dirty
    assert pdict["dennis"]["age"] == 43
    p.age = 43  # the same value: no change
    assert not p.dirty
    assert len(p.changes) == 2


def test_undo_redo_step_like_an_editor(pdict: PersiDict) -> None:
    pdict["dennis"] = {"name": "dennis", "age": 41}
    p = pdict.proxy("dennis")
    for _ in range(3):
        p.age += 1
    assert pdict["dennis"]["age"] == 44
    p.undo()
    p.undo()
    assert pdict["dennis"]["age"] == 42  # undo saves like any change
    assert steps(p) == [("age", 41, 42)]  # and is not itself a change
    assert p.can_redo
    p.redo()
    assert pdict["dennis"]["age"] == 43
    assert steps(p)[-1] == ("age", 42, 43)
    p.name = "Dennis"  # a new change clears the redo stack
    assert not p.can_redo
    with pytest.raises(IndexError, match="nothing to redo"):
        p.redo()
    for _ in range(3):
        p.undo()
    assert pdict["dennis"] == {"name": "dennis", "age": 41}
    assert not p.can_undo
    with pytest.raises(IndexError, match="nothing to undo"):
        p.undo()


def test_undo_without_save_on_change_is_unsaved_too(pdict: PersiDict) -> None:
    pdict["dennis"] = {"age": 41}
    p = pdict.proxy("dennis", save_on_change=False)
    p.age = 50
    p.undo()
    assert not p.dirty  # back to what is stored
    p.redo()
    assert p.dirty
    assert pdict["dennis"] == {"age": 41}
    p.commit()
    assert pdict["dennis"] == {"age": 50}


def test_two_proxies_on_different_fields_both_survive(pdict: PersiDict) -> None:
    pdict["dennis"] = Person(name="dennis", age=41)
    a, b = pdict.proxy("dennis", save_on_change=False), pdict.proxy("dennis")
    a.age = 42
    b.name = "Dennis"  # saved first
    a.commit()  # onto the latest object, which has b's name
    assert pdict["dennis"] == Person(name="Dennis", age=42)
    assert a.name == "Dennis"  # the proxy's working copy is the merged object
    b.undo()  # b's undo touches b's field only
    assert pdict["dennis"] == Person(name="dennis", age=42)


def test_same_field_last_save_wins(pdict: PersiDict) -> None:
    pdict["n"] = {"v": 0, "w": 0}
    a, b = pdict.proxy("n", save_on_change=False), pdict.proxy("n", save_on_change=False)
    a.v, b.v, b.w = 1, 2, 5
    b.commit()
    a.commit()
    assert pdict["n"] == {"v": 1, "w": 5}


def test_a_plain_write_in_between_is_kept_for_other_fields(pdict: PersiDict) -> None:
    pdict["dennis"] = {"name": "dennis", "age": 41}
    p = pdict.proxy("dennis", save_on_change=False)
    p.age = 42
    pdict["dennis"] = {"name": "Den", "age": 41, "city": "Oslo"}
    p.commit()
    assert pdict["dennis"] == {"name": "Den", "age": 42, "city": "Oslo"}


def test_commit_all_and_the_context_manager(pdict: PersiDict) -> None:
    for name in ("a", "b", "c"):
        pdict[name] = {"n": 0}
    proxies = [pdict.proxy(name, save_on_change=False) for name in ("a", "b", "c")]
    proxies[0].n, proxies[2].n = 1, 3
    assert pdict.commit_all() == 2
    assert [pdict[k]["n"] for k in "abc"] == [1, 0, 3]
    assert pdict.commit_all() == 0
    pdict.proxy("a", save_on_change=False).n = 5  # a proxy nobody holds any more
    gc.collect()
    assert pdict["a"]["n"] == 1
    assert pdict.commit_all() == 1  # unsaved proxies are kept until saved
    assert pdict["a"]["n"] == 5
    with pdict.proxy("b", save_on_change=False) as p:
        p.n = 2
        assert pdict["b"]["n"] == 0
    assert pdict["b"]["n"] == 2
    p = pdict.proxy("b", save_on_change=False)
    with pytest.raises(RuntimeError, match="changed my mind"):
        change_then_fail(p)
    assert pdict["b"]["n"] == 2
    assert p.dirty


def test_saving_onto_a_deleted_key_raises_and_keeps_the_changes(pdict: PersiDict) -> None:
    pdict["dennis"] = {"age": 41}
    p = pdict.proxy("dennis", save_on_change=False)
    p.age = 42
    del pdict["dennis"]
    with pytest.raises(KeyError):
        p.commit()
    assert p.dirty
    assert "dennis" not in pdict
    pdict["dennis"] = {"age": 7, "x": 1}
    p.commit()  # back again: the unsaved field lands on the new object
    assert pdict["dennis"] == {"age": 42, "x": 1}


def test_saving_onto_a_value_without_fields_raises(pdict: PersiDict) -> None:
    pdict["dennis"] = {"age": 41}
    p = pdict.proxy("dennis", save_on_change=False)
    p.age = 42
    pdict["dennis"] = 7
    with pytest.raises(TypeError, match="its int value has no fields"):
        p.commit()
    assert pdict["dennis"] == 7
    assert p.dirty


def test_repr_value_and_field_names_the_proxy_shadows(pdict: PersiDict) -> None:
    pdict["k"] = {"changes": 1, "key": "mine"}
    p = pdict.proxy("k")
    assert p.key == "k"
    assert p["key"] == "mine"
    assert p["changes"] == 1
    p["changes"] = 2
    assert pdict["k"]["changes"] == 2
    assert p.value == {"changes": 2, "key": "mine"}
    assert repr(p) == "Proxy(SafeStrTuple('k'), {'changes': 2, 'key': 'mine'})"
    assert isinstance(p.changes[0], FieldChange)
    with pytest.raises(TypeError, match="does not pickle"):
        pickle.dumps(p)


def change_then_fail(p: Proxy) -> None:
    with p:
        p.n = 99
        raise RuntimeError("changed my mind")


def test_without_history_a_new_proxy_has_no_past(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d["k"] = {"a": 1}
    d["k"] = {"a": 2}
    assert d.proxy("k").changes == []


# --- bad input: a clear exception, nothing written


def listing(d: PersiDict) -> dict[Any, Any]:
    return dict(d.items())


@pytest.mark.parametrize(("value", "words"), [
    (5, "int value has no fields"), ("text", "str value has no fields"),
    ((1, 2), "tuple value has no fields"), ([1, 2], "list value has no fields"),
    (FrozenPet("x"), "FrozenPet value is a frozen dataclass"),
    (FrozenPerson(name="x"), "FrozenPerson value is a frozen pydantic model"),
])
def test_proxy_over_a_value_without_settable_fields(make_dict: Callable[..., PersiDict],
                                                    value: Any, words: str) -> None:
    d = make_dict()
    d["v"] = value
    before = listing(d)
    with pytest.raises(TypeError, match=f"cannot proxy SafeStrTuple\\('v'\\): its {words}"):
        d.proxy("v")
    assert listing(d) == before


def test_proxy_bad_arguments(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d["v"] = {"a": 1}
    with pytest.raises(KeyError, match="absent"):
        d.proxy("absent")
    with pytest.raises(TypeError, match="save_on_change must be a bool"):
        d.proxy("v", save_on_change=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="key"):
        d.proxy("..")
    p = d.proxy("v")
    with pytest.raises(TypeError, match="field name must be a str"):
        p[1] = 2  # type: ignore[index]
    with pytest.raises(KeyError, match="nope"):
        del p["nope"]
    with pytest.raises(AttributeError):
        _ = p.nope
    assert d["v"] == {"a": 1}
    assert p.changes == []
    once = make_dict("once", immutable_items=True)
    once["v"] = {"a": 1}
    with pytest.raises(KeyError, match="write-once"):
        once.proxy("v")
