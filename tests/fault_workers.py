"""The mixed workload of tests/test_s3_faults.py (importable by spawned processes).

Each process draws its operations from its own seeded generator, so the state a
fault-free run ends in can be computed without running anything (:func:`expected`):
plain writes and deletes touch only the process's own keys, counters are shared
through ``incr``, one shared number through ``compare_and_set`` retried until it
wins, and write-once keys through ``add`` (exactly one winner each, whoever it is).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OPERATIONS = {"write": 25, "read": 12, "delete": 8, "add": 10, "incr": 15, "cas": 10,
              "list": 8, "bulk": 12}
OWN_KEYS = 30
ONCE_KEYS = 60
COUNTERS = 3


@dataclass
class Plan:
    """What one process does and what a fault-free run leaves behind of it."""

    steps: list[tuple[str, Any]] = field(default_factory=list)
    own: dict[str, Any] = field(default_factory=dict)  # own key -> final value
    incrs: Counter[str] = field(default_factory=Counter)
    cas: int = 0
    once: set[str] = field(default_factory=set)


def plan(process: int, n: int, seed: int) -> Plan:
    """The ``n`` operations of ``process``, and their effects on its own keys."""
    rng = random.Random(f"{seed}-{process}")
    names, weights = zip(*OPERATIONS.items(), strict=True)
    result = Plan()
    for i in range(n):
        op = rng.choices(names, weights)[0]
        if op in ("write", "read", "delete"):
            arg: Any = f"k{rng.randrange(OWN_KEYS)}"
            if op == "write":
                result.own[arg] = (process, i)
                arg = (arg, (process, i))
            elif op == "delete":
                result.own.pop(arg, None)
        elif op == "add":
            arg = f"j{rng.randrange(ONCE_KEYS)}"
            result.once.add(arg)
        elif op == "incr":
            arg = f"c{rng.randrange(COUNTERS)}"
            result.incrs[arg] += 1
        elif op == "cas":
            arg = None
            result.cas += 1
        elif op == "bulk":
            arg = [f"k{rng.randrange(OWN_KEYS)}" for _ in range(5)]
        else:
            arg = None
        result.steps.append((op, arg))
    return result


def run(d: Any, process: int, n: int, seed: int) -> dict[str, Any]:
    """Run the plan of ``process`` on ``d``; return what it saw: the ``add`` keys it
    won, and every read that disagreed with its own model or operation that raised."""
    own = d.get_subdict(("own", f"p{process}"))
    model: dict[str, Any] = {}
    won, wrong = [], []
    for i, (op, arg) in enumerate(plan(process, n, seed).steps):
        try:
            seen = _step(d, own, model, process, op, arg)
        except Exception as e:
            wrong.append(f"step {i} {op} {arg!r}: {type(e).__name__}: {e}")
            continue
        if op == "add" and seen:
            won.append(arg)
        elif op not in ("add", "write", "incr", "cas") and seen is not True:
            wrong.append(f"step {i} {op} {arg!r}: {seen}")
    return {"won": won, "wrong": wrong}


def _step(d: Any, own: Any, model: dict[str, Any], process: int, op: str, arg: Any) -> Any:
    if op == "write":
        key, value = arg
        own[key] = value
        model[key] = value
        return None
    if op == "read":
        got = own.get(arg)
        return True if got == model.get(arg) else f"read {got!r}, wrote {model.get(arg)!r}"
    if op == "delete":
        existed = own.discard(arg)
        expected = model.pop(arg, None) is not None
        return True if existed == expected else f"delete said {existed}, expected {expected}"
    if op == "add":
        return d.add(("once", arg), process)
    if op == "incr":
        return d.incr(("ctr", arg))
    if op == "cas":
        while True:
            try:
                value, etag = d.get_with_etag("cas")
            except KeyError:
                value, etag = 0, None
            if d.compare_and_set("cas", value + 1, etag):
                return None
    if op == "list":
        listed = sorted(k[0] for k in own.keys())  # noqa: SIM118 - the listing under test
        return True if listed == sorted(model) else f"listed {listed}, have {sorted(model)}"
    if op == "bulk":
        present = [k for k in arg if k in model]
        got = own.get_many(present)
        return True if got == [model[k] for k in present] else f"bulk read {got!r}"
    raise AssertionError(op)


def expected(processes: int, n: int, seed: int) -> tuple[dict[tuple[str, ...], Any], set[str]]:
    """The items a fault-free run leaves, except the ``add`` keys (whose winner is a
    race), and the set of those keys."""
    state: dict[tuple[str, ...], Any] = {}
    counters: Counter[str] = Counter()
    cas = 0
    once: set[str] = set()
    for p in range(processes):
        mine = plan(p, n, seed)
        state.update({("own", f"p{p}", k): v for k, v in mine.own.items()})
        counters.update(mine.incrs)
        cas += mine.cas
        once |= mine.once
    state.update({("ctr", c): total for c, total in counters.items()})
    if cas:
        state[("cas",)] = cas
    return state, once
