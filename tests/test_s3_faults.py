"""Faults survived: a mixed workload of 4 processes x 500 operations against the
HTTP endpoint, with 10% of requests answered 500 InternalError (before or after
the endpoint acted), 503 SlowDown or a dropped connection (before it acted, or
after: the response is lost), ends in exactly the state a fault-free run gives
(see tests/fault_workers.py for the workload and how that state is computed).

The dicts retry up to 10 attempts (``max_attempts``; default 5): at a 10% fault
rate five faults in a row hit about one request in 100,000, a few runs in a hundred
of ~3,500 requests, and then the operation rightly raises StoreError.

The endpoint serves one request at a time (S3 orders conditional writes; moto's
threaded server checks conditions without a lock).
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import fault_workers as workers
import pytest
from s3_server import MotoServer

from persidict import S3Dict

PROCESSES, OPERATIONS, RATE = 4, 500, 0.10
MIX = ("500", "500-applied", "503", "drop", "lost")


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    server = MotoServer(serial=True)
    yield server
    server.stop()


def run_workload(server: MotoServer, seed: int, rate: float) -> tuple[S3Dict, list[dict]]:
    d = S3Dict(f"faults-{uuid.uuid4().hex[:12]}", base_dir=None, endpoint_url=server.url,
               max_attempts=10)
    server.set_faults(rate=rate, mix=MIX, seed=seed)
    try:
        with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
            reports = pool.starmap(workers.run, [(d, p, OPERATIONS, seed)
                                                 for p in range(PROCESSES)])
    finally:
        server.set_faults()
    return d, reports


def check_final_state(d: S3Dict, reports: list[dict], seed: int) -> None:
    for p, report in enumerate(reports):
        assert report["wrong"] == [], f"process {p}"
    state, once = workers.expected(PROCESSES, OPERATIONS, seed)
    winners = Counter(key for report in reports for key in report["won"])
    assert set(winners) == once, "an add key nobody won, or one won that nobody added"
    assert [k for k, n in winners.items() if n != 1] == [], "an add key won twice"
    won_by = {key: p for p, report in enumerate(reports) for key in report["won"]}
    state.update({("once", key): p for key, p in won_by.items()})
    assert d == state


@pytest.mark.slow
def test_a_mixed_workload_survives_ten_percent_faults(server: MotoServer) -> None:
    seed = 13
    before = server.injected()
    start = time.monotonic()
    d, reports = run_workload(server, seed, RATE)
    took = time.monotonic() - start
    injected = server.injected() - before
    check_final_state(d, reports, seed)
    assert injected >= 200, f"only {injected} faults met in {took:.0f} s"


@pytest.mark.slow
def test_the_workload_without_faults_ends_in_the_computed_state(server: MotoServer) -> None:
    # The same check on a fault-free run: the expected state is right, not just lenient.
    d, reports = run_workload(server, 7, 0.0)
    check_final_state(d, reports, 7)
