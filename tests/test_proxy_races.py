"""Proxies in several real processes (spawned) changing different fields of one
object: no process loses another's update, on a folder and on S3 over HTTP (the
endpoint that serves one request at a time, as S3 orders conditional writes)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import proxy_models as pm
import pytest
from test_races import run

from persidict import PersiDict

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["file", "s3_http"])]

PROCESSES = 4
CHANGES = {"file": 100, "s3_http": 15}  # per process; S3 goes through one serial moto


@pytest.mark.parametrize("save_on_change", [True, False], ids=["at-once", "commit"])
@pytest.mark.parametrize("kind", ["dict", "pydantic"])
def test_processes_changing_different_fields_lose_nothing(
        make_ordered_dict: Callable[..., PersiDict], backend: str, kind: str,
        save_on_change: bool) -> None:
    """Each process increments its own field of one object through a proxy, many
    times; every field ends at exactly the number of increments made to it."""
    d = make_ordered_dict()
    fields = {f"f{i}": 0 for i in range(PROCESSES)}
    d["shared"] = fields if kind == "dict" else pm.Counters(**fields)
    n = CHANGES[backend]
    outs = run(pm.bump_own_field, [(d, "shared", n, save_on_change)] * PROCESSES)
    assert outs == [n] * PROCESSES
    final: Any = d["shared"]
    got = final if kind == "dict" else final.model_dump()
    assert got == {f"f{i}": n for i in range(PROCESSES)}


def test_a_proxy_in_another_process_shows_the_past(
        make_ordered_dict: Callable[..., PersiDict], backend: str) -> None:
    """Field changes made here come back, with who made them, in a proxy opened by
    a process that starts afterwards (as on another machine, tomorrow)."""
    d = make_ordered_dict(history=True)
    d["dennis"] = pm.Person(name="dennis", age=41)
    p = d.proxy("dennis")
    p.age += 1
    p.name = "Dennis"
    [there] = run(pm.past_changes, [(d, "dennis")])
    here = [(c.field, c.old, c.new, c.who.pid) for c in p.changes]
    assert there == here
    assert [row[:3] for row in there][-2:] == [("age", 41, 42), ("name", "dennis", "Dennis")]
    assert {row[3] for row in there} == {os.getpid()}
