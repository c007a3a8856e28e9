"""History with real processes: N writers x M changes leave exactly N x M records,
and a writer killed between the value write and the record write leaves the value
without a record. On a folder and on the S3 endpoint that orders requests."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable

import history_workers as hw
import pytest
from test_races import Workers

from persidict import PersiDict

Make = Callable[..., PersiDict]
SCALE = {"file": (6, 40), "sqlite": (6, 40), "s3_http": (4, 12)}  # (processes, changes each)


def shared_dict(backend: str, make_ordered_dict: Make) -> PersiDict:
    if backend not in SCALE:
        pytest.skip("a store in this process's memory cannot be shared with other processes")
    return make_ordered_dict(history=True)


@pytest.mark.slow
def test_n_processes_times_m_changes_leave_n_times_m_records(
        backend: str, make_ordered_dict: Make) -> None:
    d = shared_dict(backend, make_ordered_dict)
    n, m = SCALE[backend]
    pids = Workers(hw.change_many, [(d, m)] * n).outcomes()
    changes = list(d.changes())
    assert len(changes) == n * m
    assert Counter(c.who.pid for c in changes) == dict.fromkeys(pids, m)
    assert [c.time for c in changes] == sorted(c.time for c in changes)
    shared = d.history("shared")
    assert len(shared) == n * m // 2
    assert d["shared"] in [c.new_value for c in shared[:n]]  # see README: racing writers
    for c in shared[:-1]:  # each record's old value is the one written just before it
        assert c.old_value == shared[shared.index(c) + 1].new_value
    for i in range(n):  # every own key was set and deleted in turn
        own = [c.op for c in d.history(f"own{i}")]
        assert own == ["delete", "set"] * (m // 4)
    assert len(d.newest_keys(10)) == 1


@pytest.mark.slow
def test_writer_killed_between_value_and_record(backend: str, make_ordered_dict: Make) -> None:
    d = shared_dict(backend, make_ordered_dict)
    d["a"] = "old"
    child = multiprocessing.get_context("spawn").Process(
        target=hw.die_after_value_write, args=(d, "a", "new"))
    child.start()
    child.join(120)
    assert child.exitcode == 9
    assert d["a"] == "new"  # the value is there, whole
    assert [c.new_value for c in d.history("a")] == ["old"]  # its change is not
    assert len(list(d.changes())) == 1
    assert d.newest_keys(1) == ["a"]
    d["a"] = "newer"  # history goes on; the next change's old value is the last recorded
    assert next((c.old_value, c.new_value) for c in d.history("a")) == ("old", "newer")


@pytest.mark.slow
def test_watch_sees_another_process_changes(backend: str, make_ordered_dict: Make) -> None:
    d = shared_dict(backend, make_ordered_dict)
    feed = d.watch(poll=0.05)
    child = multiprocessing.get_context("spawn").Process(
        target=hw.write_slowly, args=(d, 5, 0.1))
    child.start()
    seen = [(c.key, c.new_value, c.who.pid) for c in (next(feed) for _ in range(5))]
    feed.close()
    child.join(60)
    assert seen == [(f"w{i}", i, child.pid) for i in range(5)]
