"""One stateful Hypothesis test: a PersiDict and a plain dict driven by the same random
operations must agree after every step, on every backend."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from persidict import DELETE_CURRENT, KEEP_CURRENT, PersiDict, SafeStrTuple

# A small key space, so that operations meet the same keys again; a key may also be
# the prefix of another.
components = st.sampled_from(["a", "b", "C", "c"])
keys = st.lists(components, min_size=1, max_size=3).map(tuple)
prefixes = components.map(lambda c: (c,))
values = st.one_of(st.integers(-5, 5), st.text("xyz", max_size=3),
                   st.lists(st.integers(0, 3), max_size=2), st.none())
mappings = st.dictionaries(keys, values, max_size=4)


def check_steps(make_dict: Callable[..., PersiDict], **settings_kwargs: Any) -> None:
    places = itertools.count()

    class PersiDictMatchesDict(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.d = make_dict(f"run{next(places)}", file_type="json")
            self.model: dict[tuple[str, ...], Any] = {}

        @rule(key=keys, value=values)
        def write(self, key: tuple[str, ...], value: Any) -> None:
            self.d[key] = value
            self.model[key] = value

        @rule(key=keys)
        def delete(self, key: tuple[str, ...]) -> None:
            try:
                del self.d[key]
            except KeyError:
                assert key not in self.model
            else:
                del self.model[key]

        @rule(key=keys)
        def get(self, key: tuple[str, ...]) -> None:
            assert self.d.get(key, "missing") == self.model.get(key, "missing")
            assert (key in self.d) == (key in self.model)

        @rule(key=keys, default=values)
        def pop(self, key: tuple[str, ...], default: Any) -> None:
            assert self.d.pop(key, default) == self.model.pop(key, default)

        @rule()
        def popitem(self) -> None:
            if not self.model:
                try:
                    self.d.popitem()
                except KeyError:
                    return
                raise AssertionError("popitem() on an empty dict did not raise KeyError")
            key, value = self.d.popitem()
            assert type(key) is SafeStrTuple
            assert self.model.pop(key.strings) == value

        @rule(key=keys, default=values)
        def setdefault(self, key: tuple[str, ...], default: Any) -> None:
            assert self.d.setdefault(key, default) == self.model.setdefault(key, default)

        @rule(key=keys)
        def delete_if_exists(self, key: tuple[str, ...]) -> None:
            existed = self.d.delete_if_exists(key)
            assert existed == (self.model.pop(key, _ABSENT) is not _ABSENT)

        @rule(items=mappings, as_pairs=st.booleans())
        def update(self, items: dict[tuple[str, ...], Any], as_pairs: bool) -> None:
            self.d.update(list(items.items()) if as_pairs else items)
            self.model.update(items)

        @rule(items=mappings)
        def ior(self, items: dict[tuple[str, ...], Any]) -> None:
            self.d |= items
            self.model |= items

        @rule(key=keys, joker=st.sampled_from([KEEP_CURRENT, DELETE_CURRENT]))
        def joker(self, key: tuple[str, ...], joker: Any) -> None:
            self.d[key] = joker
            if joker is DELETE_CURRENT:
                self.model.pop(key, None)

        @rule(prefix=prefixes, key=keys, value=values)
        def set_in_subdict(self, prefix: tuple[str], key: tuple[str, ...], value: Any) -> None:
            self.d.get_subdict(prefix)[key] = value
            self.model[prefix + key] = value

        @rule(prefix=prefixes, key=keys)
        def delete_in_subdict(self, prefix: tuple[str], key: tuple[str, ...]) -> None:
            existed = self.d.get_subdict(prefix).delete_if_exists(key)
            assert existed == (self.model.pop(prefix + key, _ABSENT) is not _ABSENT)

        @rule(prefix=prefixes)
        def read_subdict(self, prefix: tuple[str]) -> None:
            sub = {k.strings: v for k, v in self.d.get_subdict(prefix).items()}
            assert sub == {k[1:]: v for k, v in self.model.items()
                           if k[0] == prefix[0] and len(k) > 1}

        @precondition(lambda self: len(self.model) > 3)
        @rule()
        def clear(self) -> None:
            self.d.clear()
            self.model.clear()

        @rule()
        def random_key(self) -> None:
            key = self.d.random_key()
            assert key is None if not self.model else key.strings in self.model

        @invariant()
        def same_items(self) -> None:
            assert {k.strings: v for k, v in self.d.items()} == self.model
            assert len(self.d) == len(self.model)

    PersiDictMatchesDict.TestCase.settings = settings(deadline=None, **settings_kwargs)
    PersiDictMatchesDict.TestCase().runTest()


_ABSENT = object()


def test_persidict_behaves_as_a_dict(make_dict: Callable[..., PersiDict], backend: str) -> None:
    s3 = backend.startswith("s3")  # each S3 step is a few local HTTP requests
    check_steps(make_dict, max_examples=10 if s3 else 40,
                stateful_step_count=15 if s3 else 30)
