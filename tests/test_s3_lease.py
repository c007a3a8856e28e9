"""S3 locks as lease objects: taken with If-None-Match, renewed and freed with If-Match,
taken over once expired."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from persidict import S3Dict

pytestmark = pytest.mark.s3_only


@pytest.fixture
def d(make_dict: Callable[..., Any]) -> S3Dict:
    return S3Dict(**{**make_dict().get_params(), "base_dir": None, "lock_lease": 1.5})


def lease_body(d: S3Dict, name: str) -> dict[str, Any]:
    response = d.s3_store.client.get_object(Bucket=d.bucket_name, Key=d.root_prefix + name)
    return json.loads(response["Body"].read())


def test_the_lease_object_names_its_owner_and_is_freed(d: S3Dict) -> None:
    with d.lock("k"):
        body = lease_body(d, "k.pkl#lock")
        assert body["lease"] == 1.5
        assert str(body["owner"]).count(":") == 2
    with pytest.raises(d.s3_store.client.exceptions.NoSuchKey):
        lease_body(d, "k.pkl#lock")


def test_a_held_lock_times_out_others(d: S3Dict) -> None:
    with d.lock("k"):
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="'k'"), d.lock("k", timeout=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 2
    with d.lock("k", timeout=0.3):  # free again
        pass


def test_a_live_holder_keeps_its_lease_past_the_lease_time(d: S3Dict) -> None:
    with d.lock("k"):
        with pytest.raises(TimeoutError), d.lock("k", timeout=3.5):  # renewals keep it
            pass
        assert lease_body(d, "k.pkl#lock")["serial"] >= 2


def test_an_expired_lease_of_a_dead_holder_is_taken_over(d: S3Dict) -> None:
    client = d.s3_store.client
    dead = json.dumps({"owner": "gone:1:x", "lease": 0.5, "serial": 1}).encode()
    client.put_object(Bucket=d.bucket_name, Key=d.root_prefix + "k.pkl#lock", Body=dead)
    started = time.monotonic()
    with d.lock("k", timeout=10):
        assert lease_body(d, "k.pkl#lock")["owner"] != "gone:1:x"
    assert time.monotonic() - started < 5


def test_threads_in_the_lock_never_overlap(make_ordered_dict: Callable[..., Any]) -> None:
    # over HTTP: the endpoint that orders conditional writes as S3 does
    d = S3Dict(**{**make_ordered_dict().get_params(), "base_dir": None, "lock_lease": 1.5})
    inside, overlaps, done = [0], [0], [0]

    def work() -> None:
        for _ in range(5):
            with d.lock("k", timeout=30):
                inside[0] += 1
                overlaps[0] += inside[0] > 1
                time.sleep(0.005)
                inside[0] -= 1
                done[0] += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done[0] == 20
    assert overlaps[0] == 0


def test_atomicity_is_tested_where_s3_orders_conditional_writes(
        make_ordered_dict: Callable[..., Any], s3_serial_endpoint: str,
        backend: str) -> None:
    # moto's threaded server checks If-None-Match / If-Match without a lock, so a
    # race there shows which headers were sent, not that only one writer won.
    d = make_ordered_dict()
    if backend == "s3_http":
        assert d.get_params()["endpoint_url"] == s3_serial_endpoint
