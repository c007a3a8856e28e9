"""One stateful Hypothesis test: a PersiDict and a plain dict driven by the same random
operations must agree after every step, on every backend, for every file type and
digest length.

The model is the intended behaviour:

- a key the backend cannot hold gets ``ValueError`` from every operation and changes
  nothing: a part longer than 253 characters; on folders, a part too long for a
  255-byte file name with its digest suffix (and, for the last part, the
  ``.<file_type>`` extension); with ``digest_len=0``, a part other than the last
  that ends in ``.<file_type>`` (its folder would share a name with a value file);
- a bulk write (``update``, ``set_many``, ``|=``) applies its items in order, jokers
  included, so the last of repeated keys wins, and nothing is written if a key is
  refused;
- ``keys_and_timestamps``, ``values_and_timestamps`` and ``items_and_timestamps``
  yield ``(key, ts)``, ``(value, ts)`` and ``(key, value, ts)``.

Every step runs under a watchdog (SIGALRM), so a call that never returns fails the
test instead of hanging it.
"""

from __future__ import annotations

import functools
import itertools
import signal
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from persidict import DELETE_CURRENT, KEEP_CURRENT, PersiDict, SafeStrTuple

FILE_TYPES = ["pkl", "json", "txt"]  # txt: a text format, str values only
DIGEST_LENS = [0, 8]
MAX_PART = 253  # every key part is shorter than 254 characters
MAX_FILE_NAME = 255
STEP_SECONDS = 10.0  # a step that takes longer is taken to never return

# A small key space, so that operations meet the same keys again; a key may also be
# the prefix of another. Dotted parts look like value files of each file type; long
# parts have lengths around every limit: folders with digest 8 (last part 241/242,
# other parts 246) and with digest 0 (250/251, 253), and the key rule itself (253).
CORE_PARTS = ["a", "b", "C", "c"]
DOTTED_PARTS = ["a.b", "b.pkl", "x.json", "b.txt"]
LONG_LENGTHS = [241, 242, 243, 246, 247, 250, 251, 252, 253, 254]

core_parts = st.sampled_from(CORE_PARTS)
odd_parts = st.one_of(st.sampled_from(DOTTED_PARTS),
                      st.sampled_from(LONG_LENGTHS).map(lambda n: "L" * n))
parts = st.one_of(core_parts, core_parts, core_parts, odd_parts)  # mostly the core
keys = st.lists(parts, min_size=1, max_size=3).map(tuple)
prefixes = st.one_of(core_parts, core_parts, odd_parts).map(lambda c: (c,))
values = st.one_of(st.integers(-5, 5), st.text("xyz", max_size=3),
                   st.lists(st.integers(0, 3), max_size=2), st.none())
jokers = st.sampled_from([KEEP_CURRENT, DELETE_CURRENT])
# A batch draws its keys from a pool of 1-3 keys, so that keys repeat within it.
batches = st.lists(keys, min_size=1, max_size=3).flatmap(
    lambda pool: st.lists(st.tuples(st.sampled_from(pool), st.one_of(values, jokers)),
                          max_size=5))

F = TypeVar("F", bound=Callable[..., Any])


class StepTimeoutError(Exception):
    """A step of the state machine did not return in time."""


class StepHungError(BaseException):
    """A step went on after StepTimeoutError (it caught it): a BaseException, which
    ``except Exception`` does not catch (Hypothesis then reports it without shrinking)."""


def guarded(step: F) -> F:
    """Run ``step`` under SIGALRM: after STEP_SECONDS it raises StepTimeoutError, and
    StepHungError every second after that, if the code under test swallowed it."""
    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        alarms = itertools.count()

        def alarm(signum: int, frame: Any) -> None:
            late = next(alarms)
            message = f"{step.__name__}({kwargs}) did not return within {STEP_SECONDS + late} s"
            raise StepHungError(message) if late else StepTimeoutError(message)

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, STEP_SECONDS, 1.0)
        try:
            return step(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return run  # type: ignore[return-value]


def must_refuse(key: Any, action: Callable[[], Any]) -> None:
    """Run ``action`` on ``key``, which must raise ValueError (and, the invariant
    checks, change nothing)."""
    try:
        action()
    except ValueError:
        return
    raise AssertionError(f"{key!r}: a key (or keys) this dict cannot hold, not refused"
                         " with ValueError")


def part_limits(backend: str, file_type: str, digest_len: int) -> tuple[int, int]:
    """The longest folder part and last part of a key that ``backend`` holds."""
    if backend not in ("file", "tiered", "cached", "mirror", "logged"):  # the folder ones
        return MAX_PART, MAX_PART
    digest = len("_" + "d" * digest_len) if digest_len else 0
    return (min(MAX_PART, MAX_FILE_NAME - digest),
            min(MAX_PART, MAX_FILE_NAME - digest - len("." + file_type)))


def check_steps(make_dict: Callable[..., PersiDict], backend: str,
                **settings_kwargs: Any) -> None:
    places = itertools.count()

    class PersiDictMatchesDict(RuleBasedStateMachine):
        d: PersiDict

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[tuple[str, ...], Any] = {}

        @initialize(file_type=st.sampled_from(FILE_TYPES), digest_len=st.sampled_from(DIGEST_LENS))
        @guarded
        def open_dict(self, file_type: str, digest_len: int) -> None:
            self.d = make_dict(f"run{next(places)}", file_type=file_type, digest_len=digest_len)
            self.text = file_type not in ("pkl", "json")
            self.suffix = "." + file_type
            self.digest_len = digest_len
            self.folder_max, self.leaf_max = part_limits(backend, file_type, digest_len)

        # --- what the model decides

        def refused(self, key: tuple[str, ...]) -> bool:
            """Whether this dict must refuse ``key`` with ValueError."""
            *folders, leaf = key
            if len(leaf) > self.leaf_max or any(len(p) > self.folder_max for p in folders):
                return True
            return self.digest_len == 0 and any(p.endswith(self.suffix) for p in folders)

        def fit(self, value: Any) -> Any:
            """The value as this dict's format stores it (a str for a text format)."""
            if self.text and not isinstance(value, str) and value not in (KEEP_CURRENT,
                                                                        DELETE_CURRENT):
                return repr(value)
            return value

        def apply(self, key: tuple[str, ...], value: Any) -> None:
            if value is DELETE_CURRENT:
                self.model.pop(key, None)
            elif value is not KEEP_CURRENT:
                self.model[key] = value

        # --- single items

        @rule(key=keys, value=st.one_of(values, values, jokers))
        @guarded
        def write(self, key: tuple[str, ...], value: Any) -> None:
            value = self.fit(value)
            if self.refused(key):
                must_refuse(key, lambda: self.d.__setitem__(key, value))
                return
            self.d[key] = value
            self.apply(key, value)

        @rule(key=keys)
        @guarded
        def delete(self, key: tuple[str, ...]) -> None:
            if self.refused(key):
                must_refuse(key, lambda: self.d.__delitem__(key))
                return
            try:
                del self.d[key]
            except KeyError:
                assert key not in self.model
            else:
                del self.model[key]

        @rule(key=keys)
        @guarded
        def get(self, key: tuple[str, ...]) -> None:
            if self.refused(key):
                must_refuse(key, lambda: self.d.get(key, "missing"))
                must_refuse(key, lambda: key in self.d)
                return
            assert self.d.get(key, "missing") == self.model.get(key, "missing")
            assert (key in self.d) == (key in self.model)

        @rule(key=keys, default=values)
        @guarded
        def pop(self, key: tuple[str, ...], default: Any) -> None:
            if self.refused(key):
                must_refuse(key, lambda: self.d.pop(key, default))
                return
            assert self.d.pop(key, default) == self.model.pop(key, default)

        @rule()
        @guarded
        def popitem(self) -> None:
            if not self.model:
                with pytest.raises(KeyError):
                    self.d.popitem()
                return
            key, value = self.d.popitem()
            assert type(key) is SafeStrTuple
            assert self.model.pop(key.strings) == value

        @rule(key=keys, default=values)
        @guarded
        def setdefault(self, key: tuple[str, ...], default: Any) -> None:
            default = self.fit(default)
            if self.refused(key):
                must_refuse(key, lambda: self.d.setdefault(key, default))
                return
            assert self.d.setdefault(key, default) == self.model.setdefault(key, default)

        @rule(key=keys)
        @guarded
        def delete_if_exists(self, key: tuple[str, ...]) -> None:
            if self.refused(key):
                must_refuse(key, lambda: self.d.delete_if_exists(key))
                return
            existed = self.d.delete_if_exists(key)
            assert existed == (self.model.pop(key, _ABSENT) is not _ABSENT)

        # --- many items: applied in order, the last of repeated keys wins

        @rule(batch=batches, how=st.sampled_from(["update", "update_dict", "set_many", "ior"]))
        @guarded
        def bulk(self, batch: list[tuple[tuple[str, ...], Any]], how: str) -> None:
            batch = [(key, self.fit(value)) for key, value in batch]
            if how in ("update_dict", "ior"):
                batch = list(dict(batch).items())
            write = {"update": lambda: self.d.update(batch),
                     "update_dict": lambda: self.d.update(dict(batch)),
                     "set_many": lambda: self.d.set_many(batch),
                     "ior": lambda: self.d.__ior__(dict(batch))}[how]
            if any(self.refused(key) for key, _ in batch):
                must_refuse(batch, write)
                return
            write()
            for key, value in batch:
                self.apply(key, value)

        # --- subdicts

        @rule(prefix=prefixes, key=keys, value=values)
        @guarded
        def set_in_subdict(self, prefix: tuple[str], key: tuple[str, ...], value: Any) -> None:
            value = self.fit(value)
            if self.refused(prefix + key):
                must_refuse(prefix + key,
                            lambda: self.d.get_subdict(prefix).__setitem__(key, value))
                return
            self.d.get_subdict(prefix)[key] = value
            self.model[prefix + key] = value

        @rule(prefix=prefixes, key=keys)
        @guarded
        def delete_in_subdict(self, prefix: tuple[str], key: tuple[str, ...]) -> None:
            if self.refused(prefix + key):
                must_refuse(prefix + key, lambda: self.d.get_subdict(prefix).delete_if_exists(key))
                return
            existed = self.d.get_subdict(prefix).delete_if_exists(key)
            assert existed == (self.model.pop(prefix + key, _ABSENT) is not _ABSENT)

        @rule(prefix=prefixes)
        @guarded
        def read_subdict(self, prefix: tuple[str]) -> None:
            if self.refused((*prefix, "x")):  # no folder can have this name
                must_refuse(prefix, lambda: dict(self.d.get_subdict(prefix).items()))
                return
            sub = {k.strings: v for k, v in self.d.get_subdict(prefix).items()}
            assert sub == {k[1:]: v for k, v in self.model.items()
                           if k[0] == prefix[0] and len(k) > 1}

        # --- whole dict

        @precondition(lambda self: len(self.model) > 3)
        @rule()
        @guarded
        def clear(self) -> None:
            self.d.clear()
            self.model.clear()

        @rule()
        @guarded
        def random_key(self) -> None:
            key = self.d.random_key()
            assert key is None if not self.model else key.strings in self.model

        @rule()
        @guarded
        def timestamps(self) -> None:
            triples = list(self.d.items_and_timestamps())
            assert all(type(t) is tuple and len(t) == 3 for t in triples), \
                f"items_and_timestamps() yields {triples[:1]}, not (key, value, ts) triples"
            assert {k.strings: v for k, v, _ in triples} == self.model
            pairs = list(self.d.keys_and_timestamps())
            assert all(type(p) is tuple and len(p) == 2 for p in pairs), pairs[:1]
            assert sorted(k.strings for k, _ in pairs) == sorted(self.model)
            valued = list(self.d.values_and_timestamps())
            assert all(type(p) is tuple and len(p) == 2 for p in valued), valued[:1]
            assert sorted(repr(v) for v, _ in valued) == sorted(map(repr, self.model.values()))
            stamps = [t[-1] for t in triples] + [t for _, t in pairs] + [t for _, t in valued]
            assert all(isinstance(t, float) for t in stamps), stamps
            assert sorted(k.strings for k in self.d.newest_keys()) == sorted(self.model)

        @invariant()
        @guarded
        def same_items(self) -> None:
            assert {k.strings: v for k, v in self.d.items()} == self.model
            assert len(self.d) == len(self.model)

    PersiDictMatchesDict.TestCase.settings = settings(deadline=None, **settings_kwargs)
    PersiDictMatchesDict.TestCase().runTest()


_ABSENT = object()


def test_persidict_behaves_as_a_dict(make_dict: Callable[..., PersiDict], backend: str) -> None:
    s3 = backend.startswith("s3")  # each S3 step is a few local HTTP requests
    check_steps(make_dict, backend, max_examples=15 if s3 else 100,
                stateful_step_count=25 if s3 else 50)
