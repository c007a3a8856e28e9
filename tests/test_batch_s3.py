"""The batch writer on S3: requests counted at the client and at the endpoint, and
faults injected by the test endpoint (tests/s3_server.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from s3_server import MotoServer
from test_batch import DEL, batch_of
from test_s3_requests import Requests

from persidict import BatchError, S3Dict, StoreError, WriteOnceDict

pytestmark = pytest.mark.s3_only


@pytest.fixture
def s3dict(make_s3dict: Callable[..., S3Dict]) -> S3Dict:
    return make_s3dict(max_workers=4)


def test_a_batch_of_100_writes_is_100_concurrent_puts(s3dict: S3Dict) -> None:
    count = Requests(s3dict)
    threads: set[str] = set()
    s3dict.s3_store.client.meta.events.register(
        "request-created.s3.PutObject", lambda **_: threads.add(threading.current_thread().name))

    def write_100() -> None:
        with s3dict.batch() as b:
            for i in range(100):
                b["k", str(i)] = i
            assert threads == set()  # nothing before the block ends

    assert count.of(write_100) == ["PutObject"] * 100
    assert 1 < len(threads) <= 4
    assert threading.current_thread().name not in threads
    assert sorted(s3dict.get_subdict("k").values()) == list(range(100))


def test_a_batch_of_100_deletes_is_one_delete_objects(s3dict: S3Dict) -> None:
    s3dict.set_many({("k", str(i)): i for i in range(100)})
    count = Requests(s3dict)

    def delete_100_and_write_100() -> None:
        with s3dict.batch() as b:
            for i in range(100):
                del b["k", str(i)]
                b["new", str(i)] = i
            del b["never-there"]

    assert sorted(count.of(delete_100_and_write_100)) == ["DeleteObjects"] + ["PutObject"] * 100
    assert sorted(s3dict) == sorted(("new", str(i)) for i in range(100))


def test_every_max_pending_keys_is_one_round(s3dict: S3Dict) -> None:
    count = Requests(s3dict)

    def deletes() -> None:
        with s3dict.batch(max_pending=40) as b:
            for i in range(100):
                del b[str(i)]

    assert count.of(deletes) == ["DeleteObjects"] * 3


def test_write_once_batches_cost_one_conditional_put_per_item(s3dict: S3Dict) -> None:
    d = WriteOnceDict(S3Dict(**{**s3dict.get_params(), "immutable_items": True}))
    d["a"] = 0
    count = Requests(d.inner)  # type: ignore[arg-type]

    def write() -> None:
        with d.batch() as b:
            for i in range(20):
                b[str(i)] = i
            b["a"] = 1  # ignored, unchecked (p = 0)

    assert count.of(write) == ["PutObject"] * 21
    assert d["a"] == 0


# --- faults at the HTTP endpoint


@pytest.fixture
def server(s3_server: MotoServer) -> Iterator[MotoServer]:
    yield s3_server
    s3_server.set_faults()


@pytest.fixture(params=[False, True], ids=["no-cache", "cache"])
def http_dict(server: MotoServer, tmp_path: Any, request: pytest.FixtureRequest) -> S3Dict:
    from conftest import new_bucket_name

    return S3Dict(new_bucket_name(), base_dir=tmp_path if request.param else None,
                  endpoint_url=server.url, file_type="json", max_attempts=3, max_workers=4)


def test_a_refused_put_fails_its_item_only(http_dict: S3Dict, server: MotoServer) -> None:
    server.set_faults("403", method="PUT")
    before = server.served()
    with pytest.raises(BatchError) as info:
        batch_of(http_dict, [(str(i), i) for i in range(100)])
    assert server.served() - before == 100  # every item attempted once (403 is final)
    [(key, error)] = info.value.failures
    assert isinstance(error, StoreError)
    assert "AccessDenied" in str(error)
    assert "PutObject" in str(error)
    assert "1 of 100 items" in str(info.value)
    assert key not in http_dict
    assert {k[0] for k in http_dict} == {str(i) for i in range(100)} - {key[0]}


def test_a_refused_delete_objects_fails_each_of_its_keys(http_dict: S3Dict,
                                                          server: MotoServer) -> None:
    http_dict.set_many({str(i): i for i in range(10)})
    server.set_faults("403", method="POST")  # DeleteObjects is a POST
    with pytest.raises(BatchError) as info:
        batch_of(http_dict, [*((str(i), DEL) for i in range(10)), ("new", 1)])
    failed = info.value.failures
    assert sorted(key[0] for key, _ in failed) == sorted(str(i) for i in range(10))
    assert all(isinstance(e, StoreError) and "DeleteObjects" in str(e) for _, e in failed)
    assert str(info.value).startswith("10 of 11 items of a batch on s3://")
    assert str(info.value).endswith(" and 7 more")
    assert sorted(k[0] for k in http_dict) == sorted([*(str(i) for i in range(10)), "new"])


def test_dropped_connections_are_retried_inside_a_batch(http_dict: S3Dict,
                                                        server: MotoServer) -> None:
    server.set_faults("drop", "drop", "503", method="PUT")
    with http_dict.batch() as b:
        for i in range(30):
            b[str(i)] = i
    assert sorted(http_dict.values()) == list(range(30))


def test_write_once_refusals_and_faults_in_one_report(server: MotoServer, tmp_path: Any) -> None:
    from conftest import new_bucket_name

    d = S3Dict(new_bucket_name(), base_dir=tmp_path, endpoint_url=server.url,
               immutable_items=True, max_attempts=3)
    d["old"] = 0
    server.set_faults("403", method="PUT")
    with pytest.raises(BatchError) as info:  # the first PUT is refused by the endpoint,
        batch_of(d, [("old", 1), ("old", 2), ("new", 1)], max_pending=1)  # the second by S3
    assert [(key[0], type(e)) for key, e in info.value.failures] == [
        ("old", StoreError), ("old", KeyError)]
    assert dict(d.items()) == {"old": 0, "new": 1}


def test_delete_objects_errors_are_mapped_to_their_names() -> None:
    # moto never answers DeleteObjects with per-key errors; S3 does (e.g. AccessDenied
    # on some keys), so a stand-in client gives the answer S3 would.
    from persidict.stores import S3Store

    class Client:
        meta = SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None))

        def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
            return {"Errors": [{"Key": o["Key"], "Code": "AccessDenied", "Message": "no"}
                               for o in Delete["Objects"] if "bad" in o["Key"]]}

    store = S3Store(Client(), "bucket", "p/")
    failures = store.try_delete_many(["a.pkl", "bad.pkl", "q/bad.pkl"])
    assert sorted(failures) == ["bad.pkl", "q/bad.pkl"]
    assert all(isinstance(e, StoreError) and "'p/bad.pkl'" in str(failures["bad.pkl"])
               and "AccessDenied" in str(e) for e in failures.values())
    with pytest.raises(StoreError, match="2 of 3 keys"):
        store.delete_many(["a.pkl", "bad.pkl", "q/bad.pkl"])
