"""Races between real processes (spawned), each checked by an invariant at the end.

Backends: a folder, and S3 over HTTP against a moto server that handles one
request at a time (moto's threaded server checks conditions without a lock, so
racing processes could see two winners there for moto's reasons; S3 itself
orders conditional writes, as the serial server does).

Scale: the folder runs the issue's numbers (8 processes; 500 increments, 200
keys, 200 critical sections, 2,000 operations each). On S3 a contended increment
costs several requests, all through one moto process that handles one at a
time, so the S3 runs keep 8 processes but do fewer iterations (``SCALE``):
8 x 40 increments take about 7 s here, both with ``incr`` and with a
compare-and-set loop.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import race_workers as rw

from persidict import FileDirDict, PersiDict, S3Dict, SqliteDict, StoreError

pytestmark = pytest.mark.slow

PROCESSES = 8
SCALE = {  # per backend: iterations per process
    "file": {"incr": 500, "cas": 500, "keys": 200, "sections": 200, "ops": 2000,
             "lineages": 1000, "lineage_seconds": 2.0},
    "sqlite": {"incr": 500, "cas": 500, "keys": 200, "sections": 200, "ops": 2000,
               "lineages": 1000, "lineage_seconds": 2.0},
    "s3": {"incr": 40, "cas": 40, "keys": 60, "sections": 30, "ops": 300, "lineages": 150,
           "lineage_seconds": 0.0},
}
S3_LEASE = 2.0  # seconds; short so that a dead holder's lease expires quickly

Factory = Callable[..., PersiDict]


@pytest.fixture(params=["file", "sqlite", "s3"])
def shared(request: pytest.FixtureRequest, tmp_path: Any) -> tuple[str, Factory]:
    """``(backend, make)``: ``make(place, **params)`` opens a dict that worker
    processes can reopen (it pickles as its parameters). S3 dicts share a local
    cache folder, as processes on one machine would."""
    if request.param == "file":
        return "file", lambda place="main", **params: FileDirDict(tmp_path / place, **params)
    if request.param == "sqlite":  # one file that every process opens
        return "sqlite", lambda place="main", **params: SqliteDict(
            tmp_path / "races.db", root_prefix=place, **params)
    url = request.getfixturevalue("s3_serial_endpoint")
    bucket = f"races-{uuid.uuid4().hex[:12]}"

    def make(place: str = "main", **params: Any) -> PersiDict:
        return S3Dict(bucket, root_prefix=place, base_dir=tmp_path / "cache",
                      endpoint_url=url, lock_lease=S3_LEASE, **params)

    return "s3", make


class Workers:
    """Worker processes (spawn context) that start together and report back."""

    def __init__(self, fn: Callable[..., Any], args: list[tuple]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.results = ctx.Queue()
        self.barrier = barrier = ctx.Barrier(len(args))  # kept alive until children load it
        self.processes = [ctx.Process(target=rw.entry, args=(fn, i, barrier, self.results, a),
                                      daemon=True) for i, a in enumerate(args)]
        for p in self.processes:
            p.start()

    def outcomes(self, timeout: float = 300) -> list[Any]:
        """Every worker's return value, in worker order; fails on an error or a hang."""
        found: dict[int, Any] = {}
        deadline = time.monotonic() + timeout
        while len(found) < len(self.processes):
            try:
                idx, status, out = self.results.get(timeout=1)
            except Exception:  # queue.Empty
                if time.monotonic() > deadline:
                    pytest.fail(f"workers hung: {len(found)} of {len(self.processes)} reported")
                if not any(p.is_alive() for p in self.processes) and self.results.empty():
                    pytest.fail("a worker died without reporting")
                continue
            if status != "ok":
                pytest.fail(f"worker {idx} failed:\n{out}")
            found[idx] = out
        for p in self.processes:
            p.join(30)
        return [found[i] for i in range(len(self.processes))]


def run(fn: Callable[..., Any], args: list[tuple]) -> list[Any]:
    return Workers(fn, args).outcomes()


# --- counters


@pytest.mark.parametrize("worker", [rw.incr_many, rw.cas_incr_many], ids=["incr", "cas-loop"])
def test_counter_loses_no_update(shared: tuple[str, Factory], worker: Callable[..., Any]) -> None:
    """N processes x M increments end at exactly N*M, and every count 1..N*M was
    produced by exactly one increment. The folder runs the issue's 8 x 500 (3-4 s
    on 2 shared cores); S3 runs 8 x 6 here, and 8 x 60 by hand gave the same
    exact result (see the module docstring)."""
    backend, make = shared
    n = SCALE[backend]["incr" if worker is rw.incr_many else "cas"]
    d = make()
    produced = run(worker, [(d, "hits", n)] * PROCESSES)
    assert d["hits"] == PROCESSES * n
    assert sorted(v for out in produced for v in out) == list(range(1, PROCESSES * n + 1))


# --- write-once


def test_add_and_write_once_have_one_winner(shared: tuple[str, Factory]) -> None:
    """Processes race ``add()`` and write-once writes on fresh keys: one winner
    per key, every loser saw False / KeyError and then read the winner's value."""
    backend, make = shared
    keys = [f"k{i}" for i in range(SCALE[backend]["keys"])]
    d, once = make(), make(immutable_items=True)
    outs = run(rw.add_race, [(d, once, keys, seed) for seed in range(PROCESSES)])
    winners: dict[str, list[str]] = {k: [] for k in keys}
    for out in outs:
        for key, value in out["won"].items():
            winners[key].append(value)
    assert all(len(w) == 1 for w in winners.values()), \
        {k: w for k, w in winners.items() if len(w) != 1}
    for key in keys:
        assert d[key] == winners[key][0]
    for out in outs:
        assert set(out["won"]) | set(out["lost"]) == set(keys)
        for key, (how, seen) in out["lost"].items():
            assert seen == winners[key][0], (key, how)
    assert len(d) == len(keys)


# --- locks


def test_lock_makes_plain_read_write_exclusive(shared: tuple[str, Factory]) -> None:
    """N processes x K critical sections, each a plain (unconditional) read and
    write of one counter, end exact."""
    backend, make = shared
    n = SCALE[backend]["sections"]
    d = make()
    run(rw.locked_increments, [(d, "guard", n)] * PROCESSES)
    assert d["counter"] == PROCESSES * n


def test_lock_holder_killed_does_not_block_others(shared: tuple[str, Factory]) -> None:
    """A holder killed with SIGKILL inside the lock: each waiter gets the lock
    exactly once, only after the kill, one at a time, and soon (folders: the
    kernel drops the flock at once; S3: the lease, no longer renewed, expires).

    No sleep decides the outcome: the waiters report before they call ``lock()``,
    and the kill is announced (an Event) before it is sent, so "after the kill" is
    exact. On S3 the holder then keeps the lock past its lease before the kill,
    to show that a live holder renews it."""
    backend, make = shared
    d = make()
    ctx = multiprocessing.get_context("spawn")
    held, waiting, killing = ctx.Event(), ctx.Queue(), ctx.Event()
    holder = Workers(rw.hold_lock, [(d, "guard", held)])
    assert held.wait(120), "the holder never took the lock"
    waiters = Workers(rw.wait_for_lock, [(d, "guard", 120, waiting, killing)] * 4)
    assert sorted(waiting.get(timeout=120) for _ in range(4)) == [0, 1, 2, 3]
    if backend == "s3":
        # Long enough for waiters to take over a lease that is not renewed: the
        # lease, two ticks of S3's one-second clock, the waiters' longest backoff
        # (1 s). A live holder must keep the lock all along.
        time.sleep(S3_LEASE + 3.0)
    assert holder.processes[0].is_alive()
    assert waiters.results.empty(), "a waiter got the lock while its holder was alive"
    killing.set()
    killed_at = time.monotonic()
    os.kill(holder.processes[0].pid, signal.SIGKILL)
    holder.processes[0].join(30)
    outs = waiters.outcomes()
    assert [out["after_kill"] for out in outs] == [True] * 4, \
        "a waiter got the lock while its holder was alive"
    assert sorted(d["order"]) == [0, 1, 2, 3]  # each once, and no section lost another's write
    spans = sorted((out["entered"], out["left"]) for out in outs)
    assert all(left < entered for (_, left), (entered, _) in itertools.pairwise(spans)), \
        f"two waiters held the lock at once: {spans}"
    bound = S3_LEASE + 4.0 if backend == "s3" else 5.0
    assert spans[0][0] - killed_at < bound
    assert spans[-1][0] - killed_at < bound + 10
    assert d["holder"] == 0


# --- whole values


def test_readers_see_only_whole_written_values(shared: tuple[str, Factory]) -> None:
    """Processes mixing writes (plain, transform, delete) and reads (get,
    get_with_etag, items) on a few keys: every value read is one that some
    process wrote there, whole."""
    backend, make = shared
    keys = ["a", "b", "c"]
    d = make()
    n = SCALE[backend]["ops"]
    outs = run(rw.mix_reads_and_writes,
               [(d, keys, n, 0.5 if i % 2 else 0.1) for i in range(PROCESSES)])
    assert [p for out in outs for p in out["problems"]] == []
    assert sum(out["reads"] for out in outs) > PROCESSES * n // 3
    for key, value in d.items():
        assert rw.check_value(key.strings[0], value, keys) is None


# --- plain writes take part in compare-and-set


def test_plain_writes_are_never_lost_to_compare_and_set(shared: tuple[str, Factory]) -> None:
    """One process starts new lineages with plain ``d[k] = v``; the others extend
    the current lineage with get_with_etag + compare_and_set. Once a plain write
    has returned, no read (its own read-back, or any extender's read) may show an
    older lineage: a compare-and-set that read an older version must fail rather
    than overwrite the plain write (on folders, the plain write's rename holds the
    same per-folder flock as the check+rename of compare-and-set).

    The folder run lasts at least ``lineage_seconds``: with that flock removed
    from ``FileStore.write`` it failed 5 runs of 5 (45 to 1,858 violations each),
    and the store as it is passed 5 of 5."""
    backend, make = shared
    d = make()
    d["k"] = {"root": -1, "depth": 0}
    ctx = multiprocessing.get_context("spawn")
    stop, latest = ctx.Event(), ctx.RawValue("q", -1)
    scale = SCALE[backend]
    outs = run(rw.lineage_role,
               [("plain", d, scale["lineages"], scale["lineage_seconds"], stop, latest)]
               + [("cas", d, 0, 0.0, stop, latest)] * (PROCESSES - 1))
    violations = sum(out["violations"] for out in outs)
    examples = [e for out in outs for e in out["examples"]]
    assert violations == 0, f"{violations} reads showed a lost plain write, e.g. {examples}"
    assert sum(out["extensions"] for out in outs[1:]) > 0, \
        "no compare-and-set ever succeeded: the race did not happen"


# --- S3: a response lost after S3 applied the request


@pytest.fixture
def lossy(s3_serial_server: Any) -> Iterator[tuple[Any, PersiDict]]:
    """``(server, dict)``: ``server.set_faults("lost", ...)`` makes the endpoint apply
    the next requests and then hang up instead of answering (tests/s3_server.py)."""
    d = S3Dict(f"lost-{uuid.uuid4().hex[:12]}", base_dir=None,
               endpoint_url=s3_serial_server.url)
    try:
        yield s3_serial_server, d
    finally:
        s3_serial_server.set_faults()


def test_lost_response_add_reports_truth(lossy: tuple[Any, PersiDict]) -> None:
    """A winner whose answer was lost (its retry then meets its own object)
    still learns it won; a loser still learns it lost."""
    server, d = lossy
    server.set_faults("lost", method="PUT")
    assert d.add("k", "mine") is True
    assert d["k"] == "mine"
    server.set_faults("lost", method="PUT")
    assert d.add("k", "late") is False
    assert d["k"] == "mine"


def test_lost_response_on_every_attempt(lossy: tuple[Any, PersiDict]) -> None:
    """No answer at all on any of botocore's attempts: the winner still finds its
    own write (by write id); a loser cannot know and raises, naming the request."""
    server, d = lossy
    server.set_faults(*["lost"] * 6, method="PUT")  # botocore makes 5 attempts
    assert d.add("k", "mine") is True
    assert d["k"] == "mine"
    server.set_faults(*["lost"] * 6, method="PUT")
    with pytest.raises(StoreError, match=r"PutObject If-None-Match of key 'k\.pkl'"):
        d.add("k", "late")
    assert d["k"] == "mine"


def test_lost_response_compare_and_set_reports_truth(lossy: tuple[Any, PersiDict]) -> None:
    server, d = lossy
    d["k"] = 1
    stale = d.etag("k")
    server.set_faults("lost", method="PUT")
    assert d.compare_and_set("k", 2, stale) is True
    assert d["k"] == 2
    server.set_faults("lost", method="PUT")
    assert d.compare_and_set("k", 3, stale) is False
    assert d["k"] == 2
    server.set_faults("lost", method="PUT")
    assert d.incr("k") == 3
    assert d["k"] == 3


def test_lost_response_compare_and_delete_never_reports_false(
        lossy: tuple[Any, PersiDict]) -> None:
    """A deleted object keeps no write id, so after a lost DELETE response the
    store cannot know whether the delete was its own: it must say so, not answer
    False (which would make pop() drop the value silently)."""
    server, d = lossy
    d["k"] = 1
    server.set_faults("lost", method="DELETE")
    etag = d.etag("k")
    with pytest.raises(StoreError, match="unknown"):
        d.compare_and_delete("k", etag)
    assert "k" not in d


def test_lost_response_pop_raises_rather_than_losing_the_value(
        lossy: tuple[Any, PersiDict]) -> None:
    server, d = lossy
    d["k"] = "value"
    server.set_faults("lost", method="DELETE")
    with pytest.raises(StoreError, match="unknown"):
        d.pop("k", "default")
    assert "k" not in d  # the lost DELETE was applied
