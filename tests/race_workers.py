"""Worker functions for the multi-process race tests (importable by spawned processes).

Each worker takes its index first, does its share of the race and returns what
it saw; ``entry`` runs one in a child process and reports the outcome on a queue.
"""

from __future__ import annotations

import hashlib
import random
import time
import traceback
from collections.abc import Callable
from typing import Any

from persidict import PersiDict


def entry(fn: Callable[..., Any], idx: int, barrier: Any, results: Any, args: tuple) -> None:
    """Wait for every worker to be ready, run ``fn(idx, *args)``, report on ``results``."""
    try:
        barrier.wait(120)
        results.put((idx, "ok", fn(idx, *args)))
    except BaseException:
        results.put((idx, "error", traceback.format_exc()))


# --- counters


def incr_many(idx: int, d: PersiDict, key: str, n: int) -> list[int]:
    """``n`` increments; return the value each one produced."""
    return [d.incr(key) for _ in range(n)]


def cas_incr_many(idx: int, d: PersiDict, key: str, n: int) -> list[int]:
    """``n`` increments by a hand-written get_with_etag + compare_and_set loop."""
    produced = []
    for _ in range(n):
        while True:
            try:
                value, etag = d.get_with_etag(key)
            except KeyError:
                if d.compare_and_set(key, 1, None):
                    produced.append(1)
                    break
                continue
            if d.compare_and_set(key, value + 1, etag):
                produced.append(value + 1)
                break
    return produced


# --- write-once races


def add_race(idx: int, d: PersiDict, once: PersiDict, keys: list[str],
             seed: int) -> dict[str, Any]:
    """Race for every key with ``add`` or a write-once ``once[k] = v``, at random.

    Returns the keys won (with the value written) and, for each key lost, how
    the loss showed and the value read right after it.
    """
    rng = random.Random(seed)
    order = list(keys)
    rng.shuffle(order)
    won, lost = {}, {}
    for key in order:
        value = f"{idx}:{key}:{rng.random()}"
        if rng.random() < 0.5:
            ok, how = d.add(key, value), "add"
        else:
            try:
                once[key] = value
                ok, how = True, "write-once"
            except KeyError:
                ok, how = False, "write-once"
        if ok:
            won[key] = value
        else:
            lost[key] = (how, d[key])
    return {"won": won, "lost": lost}


# --- locks


def locked_increments(idx: int, d: PersiDict, key: str, n: int) -> int:
    """``n`` critical sections, each an unprotected read + write of a plain counter."""
    for _ in range(n):
        with d.lock(key, timeout=120):
            d["counter"] = d.get("counter", 0) + 1
    return n


def hold_lock(idx: int, d: PersiDict, key: str, held: Any) -> None:
    """Take the lock, say so, and keep it until killed."""
    with d.lock(key, timeout=60):
        d["holder"] = idx
        held.set()
        time.sleep(3600)


def wait_for_lock(idx: int, d: PersiDict, key: str, timeout: float, waiting: Any,
                  killing: Any) -> dict[str, Any]:
    """Say on ``waiting`` that this worker is about to wait, then take the lock once.

    Inside, note whether the holder's kill had begun (``killing`` is set just
    before the SIGKILL, so it is set for any waiter that got the lock after the
    holder died), append ``idx`` to the list under ``"order"`` by a plain read and
    write, and return when it held the lock (``time.monotonic``, one clock for
    every process of the machine)."""
    waiting.put(idx)
    with d.lock(key, timeout=timeout):
        entered = time.monotonic()
        after_kill = killing.is_set()
        d["order"] = [*d.get("order", []), idx]
        time.sleep(0.05)  # stay inside long enough for an overlap to show
        left = time.monotonic()
    return {"after_kill": after_kill, "entered": entered, "left": left}


# --- whole values under concurrent reads and writes


def make_value(writer: int, seq: int) -> dict[str, Any]:
    """The value writer ``writer`` stores as its ``seq``-th write: a payload of
    varying size (up to 64 KiB) that is a function of both, and its digest."""
    rng = random.Random(writer * 1_000_003 + seq)
    payload = rng.randbytes(rng.choice([10, 1000, 20_000, 65_536]))
    return {"writer": writer, "seq": seq, "payload": payload,
            "sha": hashlib.sha256(payload).hexdigest()}


def check_value(key: str, value: Any, keys: list[str]) -> str | None:
    """Why ``value`` read under ``key`` is not one some writer wrote there, or None."""
    try:
        expected = make_value(value["writer"], value["seq"])
    except (TypeError, KeyError) as e:
        return f"{key}: not a written value ({e!r}): {str(value)[:80]}"
    if value != expected:
        return f"{key}: torn or foreign value from writer {value['writer']} seq {value['seq']}"
    if keys[value["seq"] % len(keys)] != key:
        return f"{key}: holds writer {value['writer']} seq {value['seq']}, written elsewhere"
    return None


def mix_reads_and_writes(idx: int, d: PersiDict, keys: list[str], n: int,
                         write_share: float) -> dict[str, Any]:
    """``n`` random operations: plain writes, transforms, deletes, and reads of
    every kind; each value read is checked whole."""
    rng = random.Random(idx)
    problems: list[str] = []
    reads = writes = 0
    for seq in range(n):
        key = keys[seq % len(keys)]
        if rng.random() < write_share:
            writes += 1
            kind = rng.random()
            if kind < 0.6:
                d[key] = make_value(idx, seq)
            elif kind < 0.95:
                d.transform(key, lambda old, s=seq: make_value(idx, s), default=None)
            else:
                d.delete_if_exists(key)
            continue
        reads += 1
        kind = rng.random()
        if kind < 0.5:
            found = [(key, d.get(key))]
        elif kind < 0.9:
            try:
                found = [(key, d.get_with_etag(key)[0])]
            except KeyError:
                found = []
        else:
            found = [(k.strings[0], v) for k, v in d.items()]
        for k, value in found:
            if value is not None:
                problem = check_value(k, value, keys)
                if problem:
                    problems.append(problem)
    return {"problems": problems, "reads": reads, "writes": writes}


# --- plain writes against compare-and-set

MAX_REPORTED = 20  # violations listed in a report; all are counted


def plain_writer(idx: int, d: PersiDict, key: str, n: int, min_seconds: float,
                 stop: Any, latest: Any) -> dict[str, Any]:
    """Start new lineages (``{"root": i, "depth": 0}``) with plain writes: ``n`` of
    them, and more until ``min_seconds`` have passed. After each, publish ``i`` in
    ``latest`` and read back.

    Once plain write ``i`` has returned, every later read must show lineage ``i``
    or a newer one: an older root means a compare-and-set that had read an older
    version overwrote the plain write. Returns the violations seen here.
    """
    found: list[str] = []
    count = i = 0
    deadline = time.monotonic() + min_seconds
    try:
        while i < n or time.monotonic() < deadline:
            d[key] = {"root": i, "depth": 0}
            latest.value = i
            for _ in range(2):  # the overwriting rename may land just after a read
                seen = d[key]
                if seen["root"] < i:
                    count += 1
                    if len(found) < MAX_REPORTED:
                        found.append(f"wrote P{i}, then read {seen}")
            i += 1
    finally:
        stop.set()
    return {"violations": count, "examples": found, "lineages": i}


def cas_extender(idx: int, d: PersiDict, key: str, stop: Any, latest: Any) -> dict[str, Any]:
    """Extend the current lineage by compare-and-set until told to stop; check
    every read against the newest plain write that had returned before it."""
    found: list[str] = []
    count = done = 0
    while not stop.is_set():
        floor = latest.value  # read before the value: that plain write is older
        try:
            value, etag = d.get_with_etag(key)
        except KeyError:
            continue
        if value["root"] < floor:
            count += 1
            if len(found) < MAX_REPORTED:
                found.append(f"P{floor} had returned, then read {value}")
        if d.compare_and_set(key, {"root": value["root"], "depth": value["depth"] + 1}, etag):
            done += 1
    return {"violations": count, "examples": found, "extensions": done}


def lineage_role(idx: int, role: str, d: PersiDict, n: int, min_seconds: float, stop: Any,
                 latest: Any) -> Any:
    """Run :func:`plain_writer` (role ``"plain"``) or :func:`cas_extender` on key ``"k"``."""
    if role == "plain":
        return plain_writer(idx, d, "k", n, min_seconds, stop, latest)
    return cas_extender(idx, d, "k", stop, latest)
