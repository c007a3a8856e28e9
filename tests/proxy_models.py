"""Classes stored behind proxies in the tests, and the proxy workers of the
multi-process tests (importable, so spawned processes unpickle them)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic

from persidict import PersiDict


class Person(pydantic.BaseModel):
    name: str
    age: int
    tags: list[str] = []

    def birthday(self) -> int:
        self.age += 1
        self.tags = [*self.tags, f"turned {self.age}"]
        return self.age


class FrozenPerson(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    name: str


@dataclasses.dataclass
class Pet:
    name: str
    age: int
    tags: list[str] = dataclasses.field(default_factory=list)

    def birthday(self) -> int:
        self.age += 1
        self.tags = [*self.tags, f"turned {self.age}"]
        return self.age


@dataclasses.dataclass(frozen=True)
class FrozenPet:
    name: str


class Plain:
    """Any object with attributes."""

    def __init__(self, name: str, age: int) -> None:
        self.name = name
        self.age = age
        self.tags: list[str] = []

    def birthday(self) -> int:
        self.age += 1
        self.tags = [*self.tags, f"turned {self.age}"]
        return self.age

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plain) and vars(self) == vars(other)


class Slotted:
    __slots__ = ("age", "name", "tags")

    def __init__(self, name: str, age: int) -> None:
        self.name = name
        self.age = age
        self.tags: list[str] = []

    def birthday(self) -> int:
        self.age += 1
        self.tags = [*self.tags, f"turned {self.age}"]
        return self.age


class Counters(pydantic.BaseModel):
    """One field per worker of the multi-process merge test."""

    f0: int = 0
    f1: int = 0
    f2: int = 0
    f3: int = 0


def person_dict(name: str, age: int) -> dict[str, Any]:
    return {"name": name, "age": age, "tags": []}


MODELS = {"pydantic": Person, "dataclass": Pet, "plain": Plain, "slots": Slotted,
          "dict": person_dict}


def make_model(kind: str, name: str = "dennis", age: int = 41) -> Any:
    return MODELS[kind](name=name, age=age)


# --- workers (see race_workers.entry)


def bump_own_field(idx: int, d: PersiDict, key: str, n: int, save_on_change: bool) -> int:
    """Open a proxy and increment this worker's own field ``f<idx>`` ``n`` times
    (each saved at once, or by a commit after every change)."""
    p = d.proxy(key, save_on_change=save_on_change)
    for _ in range(n):
        p[f"f{idx}"] = p[f"f{idx}"] + 1
        if not save_on_change:
            p.commit()
    return p[f"f{idx}"]


def past_changes(idx: int, d: PersiDict, key: str) -> list[tuple[Any, ...]]:
    """The changes a proxy opened in this process shows, with who made each."""
    return [(c.field, c.old, c.new, c.who.pid) for c in d.proxy(key).changes]
