"""Collections: objects keyed by one of their fields, handed out as proxies. Every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from proxy_models import FrozenPet, Person

from persidict import Collection, PersiDict, Proxy


@pytest.fixture
def people(pdict: PersiDict) -> Collection:
    return pdict.collection(key=lambda m: m.name)


def test_add_set_get_and_membership(people: Collection) -> None:
    dennis = people.add(Person(name="dennis", age=41))
    assert isinstance(dennis, Proxy)
    assert dennis.key == "dennis"
    assert people.dict["dennis"] == Person(name="dennis", age=41)
    dennis.age += 1
    assert people["dennis"].age == 42
    assert Person(name="dennis", age=0) in people  # by its key
    assert "dennis" in people
    assert dennis in people
    assert "alice" not in people
    with pytest.raises(KeyError, match="already in the collection"):
        people.add(Person(name="dennis", age=1))
    assert people.dict["dennis"].age == 42  # the add that lost wrote nothing
    replaced = people.set(Person(name="dennis", age=7))
    assert replaced.age == 7
    assert people.dict["dennis"].age == 7
    assert len(people) == 1


def test_delete_by_object_key_or_proxy(people: Collection) -> None:
    for name in ("a", "b", "c"):
        people.add(Person(name=name, age=1))
    people.delete(Person(name="a", age=99))
    people.delete("b")
    people.delete(people.get("c"))
    assert len(people) == 0
    with pytest.raises(KeyError):
        people.delete("a")


def test_all_filter_first_in_key_order(people: Collection) -> None:
    for name, age in (("carol", 30), ("alice", 50), ("bob", 20)):
        people.add(Person(name=name, age=age))
    assert [p.name for p in people.all()] == ["alice", "bob", "carol"]
    assert [p.name for p in people.filter(lambda m: m.age >= 30)] == ["alice", "carol"]
    assert sorted(p.name for p in people) == ["alice", "bob", "carol"]
    first = people.first(lambda m: m.age < 40)
    assert first is not None
    assert first.name == "bob"
    assert people.first(lambda m: m.age > 100) is None
    with pytest.raises(TypeError, match="pred must be callable"):
        people.filter(3)  # type: ignore[arg-type]


def test_commit_all_of_a_collection(pdict: PersiDict) -> None:
    people = pdict.collection(key=lambda m: m.name, save_on_change=False)
    alice, bob = people.add(Person(name="alice", age=1)), people.add(Person(name="bob", age=2))
    alice.age, bob.age = 10, 20
    assert pdict["alice"].age == 1
    assert people.commit_all() == 2
    assert [pdict["alice"].age, pdict["bob"].age] == [10, 20]
    assert people.commit_all() == 0
    alice.age = 11
    assert pdict.commit_all() == 1  # the dict's commit_all covers its collections' proxies
    assert pdict["alice"].age == 11
    with people:
        people["alice"].age = 12
        people["bob"].age = 22
        assert pdict["alice"].age == 11
    assert [pdict["alice"].age, pdict["bob"].age] == [12, 22]


def test_changing_the_key_field_is_refused_and_undone(people: Collection) -> None:
    dennis = people.add(Person(name="dennis", age=41))
    with pytest.raises(ValueError, match="move the object from SafeStrTuple\\('dennis'\\) to"
                                         " SafeStrTuple\\('Dennis'\\)"):
        dennis.name = "Dennis"
    assert dennis.name == "dennis"  # the working copy is restored
    assert dennis.changes == []
    assert not dennis.dirty
    assert sorted(people.dict) == ["dennis"]
    assert people.dict["dennis"].name == "dennis"
    dennis.age += 1  # the proxy keeps working
    assert people.dict["dennis"].age == 42
    with pytest.raises(ValueError, match="key"):
        dennis.name = ".."  # not a key at all
    assert dennis.name == "dennis"


def test_an_object_stored_under_another_key_keeps_its_key_field(people: Collection) -> None:
    people.dict["nick"] = Person(name="dennis", age=41)  # not where the collection puts it
    p = people["nick"]
    p.age += 1  # fine: the key field stays
    assert people.dict["nick"].age == 42
    with pytest.raises(ValueError, match="from SafeStrTuple\\('dennis'\\) to SafeStrTuple"
                                         "\\('nick'\\)"):
        p.name = "nick"
    assert people.dict["nick"].name == "dennis"


def test_a_method_changing_the_key_field_is_refused_whole(pdict: PersiDict) -> None:
    people = pdict.collection(key=lambda m: m["name"])
    people.add({"name": "dennis", "age": 41})
    dennis = people["dennis"]
    with pytest.raises(ValueError, match="cannot change"):
        dennis.update(name="x", age=50)
    assert people.dict["dennis"] == {"name": "dennis", "age": 41}
    assert dennis.value == {"name": "dennis", "age": 41}


def test_collection_bad_input(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    with pytest.raises(TypeError, match="key must be a callable"):
        d.collection(key="name")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="save_on_change must be a bool"):
        d.collection(key=len, save_on_change="yes")  # type: ignore[arg-type]
    people = d.collection(key=lambda m: m["name"])
    bad: list[Any] = [{"name": ""}, {"name": ".."}, {"name": "a/b"}]
    for obj in bad:
        with pytest.raises(ValueError, match=r"key|empty|character|component"):
            people.add(obj)
    with pytest.raises(TypeError):
        people.add({"name": 5})
    with pytest.raises(KeyError):
        people.get("nobody")
    with pytest.raises(TypeError, match="FrozenPet value is a frozen dataclass"):
        d.collection(key=lambda m: m.name).add(FrozenPet("rex"))
    assert len(d) == 0
