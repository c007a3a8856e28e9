"""A stateful Hypothesis test of per-item expiry: a dict with ``item_ttl=True`` and a
model of (value, expiry) pairs, driven by the same writes, deletes, atomic
operations, purges and moves of the reader's clock, agree after every step on
every backend: every read, ``len`` and iteration see exactly the live items."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import persidict.ttl
from persidict import PersiDict

keys = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2).map(tuple)
values = st.integers(0, 9)
ttls = st.sampled_from([1.0, 5.0, 20.0])
Model = dict[tuple[str, ...], tuple[int, float | None]]  # key -> (value, expiry or None)


def check_steps(make_dict: Callable[..., PersiDict], monkeypatch: pytest.MonkeyPatch,
                **settings_kwargs: Any) -> None:
    places = itertools.count()

    class ExpiryMatchesModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.now = time.time()  # the reader's clock, moved only by tick()
            monkeypatch.setattr(persidict.ttl, "clock", lambda: self.now)
            self.d = make_dict(f"run{next(places)}", file_type="json", item_ttl=True)
            self.model: Model = {}

        def live(self) -> dict[tuple[str, ...], int]:
            return {k: v for k, (v, e) in self.model.items() if e is None or e > self.now}

        @rule(key=keys, value=values, ttl=ttls)
        def set_with_ttl(self, key: tuple[str, ...], value: int, ttl: float) -> None:
            self.d.set(key, value, ttl=ttl)
            self.model[key] = (value, self.now + ttl)

        @rule(key=keys, value=values)
        def write(self, key: tuple[str, ...], value: int) -> None:
            self.d[key] = value
            self.model[key] = (value, None)

        @rule(key=keys, value=values)
        def add(self, key: tuple[str, ...], value: int) -> None:
            added = self.d.add(key, value)
            assert added == (key not in self.live())
            if added:
                self.model[key] = (value, None)

        @rule(key=keys)
        def incr(self, key: tuple[str, ...]) -> None:
            new = self.live().get(key, 0) + 1
            assert self.d.incr(key) == new
            self.model[key] = (new, None)

        @rule(key=keys)
        def delete(self, key: tuple[str, ...]) -> None:
            assert self.d.delete_if_exists(key) == (key in self.live())
            self.model.pop(key, None)

        @rule(seconds=st.sampled_from([0.5, 2.0, 6.0]))
        def tick(self, seconds: float) -> None:
            self.now += seconds

        @rule()
        def purge(self) -> None:
            expired = [k for k in self.model if k not in self.live()]
            assert self.d.purge_expired() == len(expired)
            for k in expired:
                del self.model[k]

        @rule(key=keys)
        def read(self, key: tuple[str, ...]) -> None:
            live = self.live()
            assert self.d.get(key) == live.get(key)
            assert (key in self.d) == (key in live)
            expiry = self.model[key][1] if key in live else "absent"
            try:
                assert self.d.expires_at(key) == pytest.approx(expiry)
            except KeyError:
                assert expiry == "absent"

        @invariant()
        def listings_agree_with_reads(self) -> None:
            live = self.live()
            assert len(self.d) == len(live)
            assert {k.strings: v for k, v in self.d.items()} == live
            assert sorted(k.strings for k in self.d.newest_keys()) == sorted(live)

    ExpiryMatchesModel.TestCase.settings = settings(deadline=None, **settings_kwargs)
    ExpiryMatchesModel.TestCase().runTest()


def test_per_item_expiry_matches_the_model(make_dict: Callable[..., PersiDict], backend: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = backend.startswith("s3")
    check_steps(make_dict, monkeypatch, max_examples=8 if s3 else 30,
                stateful_step_count=12 if s3 else 25)
