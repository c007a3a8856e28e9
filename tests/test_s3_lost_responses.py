"""S3 conditional writes whose response is lost after S3 applied them: an operation
is never applied twice. Either the writer recognises its own write (by the write
ids each version carries), or it is sure its write was not applied, or it raises
StoreError saying the outcome is unknown.

The endpoint serves one request at a time (S3 orders conditional writes; moto's
threaded server checks conditions without a lock) and its ``"lost"`` fault applies
a request, then hangs up before answering (tests/s3_server.py).
"""

from __future__ import annotations

import multiprocessing
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import lost_response_workers as workers
import pytest
from s3_server import MotoServer

from persidict import S3Dict, StoreError


@pytest.fixture
def server(s3_serial_server: MotoServer) -> Iterator[MotoServer]:
    yield s3_serial_server
    s3_serial_server.set_faults()


@pytest.fixture
def d(server: MotoServer) -> S3Dict:
    return S3Dict(f"lost-{uuid.uuid4().hex[:12]}", base_dir=None, endpoint_url=server.url)


def before_retry(d: S3Dict, action: Callable[[], Any]) -> None:
    """Run ``action`` once, just before ``d`` resends a PutObject (botocore's retry
    after the first attempt's response was lost)."""
    sent = [0]

    def hook(**_: Any) -> None:
        sent[0] += 1
        if sent[0] == 2:
            action()

    d.s3_store.client.meta.events.register("before-send.s3.PutObject", hook)


def test_an_applied_write_superseded_twice_is_still_recognised(
        d: S3Dict, server: MotoServer) -> None:
    other = S3Dict(**d.get_params())
    assert d.incr("n") == 1
    before_retry(d, lambda: (other.incr("n"), other.incr("n")))
    server.set_faults("lost", method="PUT")
    assert d.incr("n") == 2  # applied (then lost), then superseded by 3 and 4
    assert d["n"] == 4


def test_a_write_of_unknown_outcome_raises(d: S3Dict, server: MotoServer) -> None:
    # A plain write knows nothing of the version it replaces, so after it nobody
    # can tell whether the lost write was applied.
    other = S3Dict(**d.get_params())
    assert d.incr("n") == 1
    before_retry(d, lambda: other.__setitem__("n", 100))
    server.set_faults("lost", method="PUT")
    with pytest.raises(StoreError, match="unknown") as info:
        d.incr("n")
    assert "PutObject If-Match of key 'n.pkl'" in str(info.value)
    assert d["n"] == 100


def test_a_failed_condition_after_a_lost_response_is_known_to_have_failed(
        d: S3Dict, server: MotoServer) -> None:
    other = S3Dict(**d.get_params())
    assert d.add("k", 1)  # a plain write could not start the chain at the creation
    stale = d.etag("k")
    assert other.compare_and_set("k", 2, stale)
    assert other.incr("k") == 3
    server.set_faults("lost", method="PUT")
    assert d.compare_and_set("k", 5, stale) is False  # the chain reaches back to `stale`
    server.set_faults("lost", method="PUT")
    assert d.add("k", 5) is False  # the chain reaches back to the key's creation
    assert d["k"] == 3


def test_the_write_id_chain_stays_within_the_metadata_limit(d: S3Dict) -> None:
    for _ in range(150):
        d.incr("n")
    response = d.s3_store.client.head_object(Bucket=d.bucket_name, Key="n.pkl")
    size = sum(len(k) + len(v) for k, v in response["Metadata"].items())
    assert size <= 1400  # S3 allows 2 KB of user metadata in all


@pytest.mark.slow
def test_incr_is_never_applied_twice_when_responses_are_lost(
        d: S3Dict, server: MotoServer) -> None:
    """4 processes x 50 incr, 10% of PUTs applied and then unanswered: the count
    holds every incr that returned, and more only by incrs that said their
    outcome is unknown."""
    processes, n = 4, 50
    rng = random.Random(7)
    server.set_faults(*["lost" if rng.random() < 0.1 else "ok" for _ in range(5000)],
                      method="PUT")
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        outcomes = pool.starmap(workers.count_incrs, [(d, "n", n)] * processes)
    server.set_faults()
    returned = sum(r for r, _ in outcomes)
    unknown = sum(u for _, u in outcomes)
    assert returned + unknown == processes * n
    assert returned <= d["n"] <= returned + unknown, outcomes
