"""S3-compatible endpoints that ignore If-None-Match / If-Match: probed once per endpoint
and process, before the first conditional request; atomic operations then refuse with
StoreError and plain ones keep working. Requests are counted at the endpoint."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import new_bucket_name
from s3_server import MotoServer

from persidict import S3Dict, StoreError, WriteOnceDict
from persidict.stores._s3_probe import PROBE_NAME

pytestmark = pytest.mark.s3_only
PROBE_REQUESTS = 4  # create, create again, delete with a wrong etag, clean-up delete
REFUSED = "does not honour conditional requests"
BOTH = ("If-None-Match", "If-Match")


@pytest.fixture
def fresh_server() -> Iterator[Callable[..., MotoServer]]:
    """Start an endpoint no dict of this process has used yet (so not yet probed)."""
    started: list[MotoServer] = []

    def start(*ignore: str) -> MotoServer:
        started.append(MotoServer(ignore=ignore))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def open_dict(server: MotoServer, **params: Any) -> S3Dict:
    return S3Dict(new_bucket_name(), endpoint_url=server.url, base_dir=None, **params)


def all_object_keys(d: S3Dict) -> list[str]:
    """Every object in the bucket, internal ones too, asked of S3 directly."""
    listed = d.s3_store.client.list_objects_v2(Bucket=d.bucket_name)
    return sorted(o["Key"] for o in listed.get("Contents", []))


ATOMIC: dict[str, Callable[[S3Dict], Any]] = {
    "add": lambda d: d.add("new", 1),
    "compare_and_set absent": lambda d: d.compare_and_set("new", 1, None),
    "compare_and_set etag": lambda d: d.compare_and_set("k", 9, d.etag("k")),
    "compare_and_delete": lambda d: d.compare_and_delete("k", d.etag("k")),
    "setdefault": lambda d: d.setdefault("new", 1),
    "transform": lambda d: d.transform("k", lambda v: v + 1),
    "incr": lambda d: d.incr("k"),
    "pop": lambda d: d.pop("k"),
    "add_many": lambda d: d.add_many({"new": 1, "new2": 2}),
    "lock": lambda d: d.lock("k").__enter__(),
}


@pytest.mark.parametrize("ignored", [BOTH, ("If-Match",)], ids=["both", "If-Match"])
def test_ignoring_endpoint_refuses_atomic_operations_keeps_plain_ones(
        fresh_server: Callable[..., MotoServer], ignored: tuple[str, ...]) -> None:
    server = fresh_server(*ignored)
    d = open_dict(server)
    d["k"] = 1
    for name, operation in ATOMIC.items():
        with pytest.raises(StoreError, match=f"{REFUSED} \\(it ignored {ignored[0]}\\)"):
            operation(d)
        assert d["k"] == 1, name  # nothing was changed or written
        assert "new" not in d, name
    once = open_dict(server, immutable_items=True)
    with pytest.raises(StoreError, match=REFUSED):
        once["w"] = 1
    with pytest.raises(StoreError, match=REFUSED):
        WriteOnceDict(once)["w"] = 1
    assert "w" not in once
    d.set_many({"a": 1, "b": 2})  # plain operations keep working
    d["a"] = 10
    del d["b"]
    assert d.get_many(["a", "k"]) == [10, 1]
    assert dict(d.items()) == {"a": 10, "k": 1}
    assert set(d.newest_keys()) == {"a", "k"}
    assert all_object_keys(d) == ["a.pkl", "k.pkl"]  # the probe cleaned up


def test_ignoring_endpoint_is_probed_once_per_endpoint_not_per_dict(
        fresh_server: Callable[..., MotoServer]) -> None:
    server = fresh_server(*BOTH)
    first, second = open_dict(server), open_dict(server, root_prefix="other")
    before = server.served()
    with pytest.raises(StoreError, match=REFUSED):
        first.add("k", 1)
    # the second create was applied, so the delete with a wrong etag was not needed;
    # the add itself sent nothing
    assert server.served() - before == PROBE_REQUESTS - 1
    before = server.served()
    for d in (first, second, first.get_subdict("x")):
        with pytest.raises(StoreError, match=REFUSED):
            d.add("k", 1)
    assert server.served() - before == 0
    assert all_object_keys(first) == []


def test_honouring_endpoint_is_probed_once_then_each_operation_costs_one_request(
        fresh_server: Callable[..., MotoServer]) -> None:
    server = fresh_server()
    first, second = open_dict(server), open_dict(server)
    first["plain"] = 0
    before = server.served()
    assert first.add("k", 1)
    assert server.served() - before == PROBE_REQUESTS + 1
    before = server.served()
    assert second.add("k", 2)
    assert not first.add("k", 3)
    assert server.served() - before == 2
    assert first.incr("k") == 2
    with first.lock("k"):
        pass
    assert all_object_keys(first) == ["k.pkl", "plain.pkl"]
    assert all(PROBE_NAME not in key for key in all_object_keys(second))


def test_racing_first_conditional_requests_share_one_probe(
        fresh_server: Callable[..., MotoServer]) -> None:
    server = fresh_server()
    dicts = [open_dict(server) for _ in range(8)]
    before = server.served()
    start = threading.Barrier(len(dicts))
    results: list[bool] = []

    def add(d: S3Dict) -> None:
        start.wait()
        results.append(d.add("k", 1))

    threads = [threading.Thread(target=add, args=(d,)) for d in dicts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * len(dicts)  # one bucket each
    assert server.served() - before == PROBE_REQUESTS + len(dicts)


def test_failed_probe_is_raised_and_not_kept(fresh_server: Callable[..., MotoServer]) -> None:
    server = fresh_server()
    d = open_dict(server)
    server.set_faults("403", method="PUT")
    with pytest.raises(StoreError, match=r"probe of conditional requests .* failed"):
        d.add("k", 1)
    assert "k" not in d
    assert d.add("k", 1)  # probed again, and honoured
    assert all_object_keys(d) == ["k.pkl"]
