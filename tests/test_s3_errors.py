"""S3 failures: retried when transient, otherwise an error naming operation, bucket and key.

Faults are injected by the WSGI layer in front of the moto HTTP server
(tests/s3_server.py): 503s, dropped connections, responses lost after moto
applied the request, and AccessDenied.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from s3_server import MotoServer

from persidict import DELETE_CURRENT, S3Dict, StoreError


@pytest.fixture
def server(s3_server: MotoServer) -> Iterator[MotoServer]:
    yield s3_server
    s3_server.set_faults()  # nothing left over for the next test


@pytest.fixture(params=[False, True], ids=["no-cache", "cache"])
def d(server: MotoServer, tmp_path: Any, request: pytest.FixtureRequest) -> S3Dict:
    from conftest import new_bucket_name

    return S3Dict(new_bucket_name(), base_dir=tmp_path if request.param else None,
                  endpoint_url=server.url, file_type="json", max_attempts=4)


def test_throttling_and_5xx_are_retried(d: S3Dict, server: MotoServer) -> None:
    d["a"] = 1
    server.set_faults("503", "503", "503", method="GET")
    before = server.served()
    assert d["a"] == 1
    assert server.served() - before == 4
    server.set_faults("503", "503", method="PUT")
    d["b"] = 2
    assert d["b"] == 2


def test_dropped_connections_are_retried(d: S3Dict, server: MotoServer) -> None:
    d["a"] = 1
    server.set_faults("drop", "drop", method="GET")
    assert d["a"] == 1
    server.set_faults("drop", method="HEAD")
    assert "a" in d
    server.set_faults("drop", method="GET")
    assert list(d) == ["a"]


def test_a_condition_failing_on_a_retry_asks_whether_the_write_was_ours(
        d: S3Dict, server: MotoServer) -> None:
    # A failed condition is final (1 request) unless an earlier attempt may have
    # been applied (its answer was lost): then a HEAD compares write ids. S3
    # answers 503 SlowDown before acting, so a 503 retried is no such attempt.
    assert d.add("a", 1)
    server.set_faults("503", method="PUT")
    before = server.served()
    assert d.add("a", 2) is False
    assert server.served() - before == 2  # PUT (503), PUT (412)
    server.set_faults("drop", method="PUT")  # closed before moto saw it: no answer
    before = server.served()
    assert d.add("a", 2) is False
    assert server.served() - before == 3  # PUT (dropped), PUT (412), HEAD
    assert d["a"] == 1


def test_a_final_failure_names_operation_bucket_and_key(d: S3Dict, server: MotoServer) -> None:
    d["a"] = 1
    server.set_faults(*["503"] * 4, method="GET")
    with pytest.raises(StoreError) as info:
        d["a"]
    message = str(info.value)
    assert "GetObject" in message
    assert d.bucket_name in message
    assert "'a.json'" in message
    assert isinstance(info.value, OSError)
    assert info.value.__cause__ is not None
    assert d["a"] == 1  # the faults are used up; nothing was changed


def test_access_denied_raises_instead_of_answering_false(d: S3Dict,
                                                         server: MotoServer) -> None:
    d["a"] = 1
    for method, action in [("HEAD", lambda: "a" in d), ("HEAD", lambda: "zz" in d),
                           ("GET", lambda: d["a"]), ("PUT", lambda: d.add("n", 1)),
                           ("PUT", lambda: d.__setitem__("a", 2)),
                           ("GET", lambda: list(d))]:
        server.set_faults("403", method=method)
        with pytest.raises(StoreError, match=r"AccessDenied|403"):
            action()
    assert d["a"] == 1
    assert "n" not in d


def test_lost_response_of_a_conditional_write_reports_the_truth(d: S3Dict,
                                                                server: MotoServer) -> None:
    # moto applies the PUT, the response never arrives, botocore retries and the
    # retry meets the write itself (412): the write id says it was ours.
    server.set_faults("lost", method="PUT")
    assert d.add("a", 1) is True
    assert d["a"] == 1
    etag = d.etag("a")
    server.set_faults("lost", method="PUT")
    assert d.compare_and_set("a", 2, etag) is True
    assert d["a"] == 2
    assert d.compare_and_set("a", 3, etag) is False
    server.set_faults("lost", method="PUT")
    assert d.add("a", 4) is False
    assert d["a"] == 2
    server.set_faults("lost", method="PUT")
    assert d.incr("n") == 1
    assert d.incr("n") == 2


def test_a_missing_bucket_is_an_error_not_a_missing_key(d: S3Dict) -> None:
    client = d.s3_store.client
    d["a"] = 1
    client.delete_object(Bucket=d.bucket_name, Key="a.json")
    client.delete_bucket(Bucket=d.bucket_name)
    with pytest.raises(StoreError, match=d.bucket_name):
        d["a"]
    with pytest.raises(StoreError, match=d.bucket_name):
        d["a"] = 1
    with pytest.raises(StoreError, match=d.bucket_name):
        list(d)


def test_a_bucket_that_cannot_be_created_is_named(server: MotoServer) -> None:
    with pytest.raises(StoreError, match="'x'"):
        S3Dict("x", endpoint_url=server.url, base_dir=None)  # too short a name for S3


def test_an_unreachable_endpoint_is_named() -> None:
    with pytest.raises(StoreError, match="no_such_bucket"):
        S3Dict("no_such_bucket", endpoint_url="http://127.0.0.1:1", base_dir=None,
               max_attempts=1)


def test_the_endpoint_keeps_connections_alive(server: MotoServer) -> None:
    """As S3 does: the bench's concurrency figures assume it, and a fault answered
    before its request body was read must not break the connection's next request."""
    from conftest import new_bucket_name

    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    bucket = new_bucket_name()
    server.set_faults("503", method="PUT")
    statuses, local_ends = [], set()
    for method, path, body in [("PUT", f"/{bucket}/k", b"x" * 1000), ("PUT", f"/{bucket}", b""),
                               ("GET", f"/{bucket}", None)]:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        assert connection.sock is not None, f"{method} {path} closed the connection"
        local_ends.add(connection.sock.getsockname())
    connection.close()
    assert statuses == [503, 200, 200]
    assert len(local_ends) == 1


def test_conditional_request_conflicts_are_retried(d: S3Dict, server: MotoServer) -> None:
    # S3 answers 409 ConditionalRequestConflict to a conditional request racing
    # another one on the same key: every conditional PUT and DELETE retries it.
    server.set_faults("409", "409", method="PUT")
    assert d.add("a", 1) is True
    d["b"] = 1
    server.set_faults("409", method="DELETE")
    assert d.pop("b") == 1
    d["b"] = 1
    server.set_faults("409", "409", method="DELETE")
    assert d.compare_and_delete("b", d.etag("b")) is True
    d["b"] = 1
    server.set_faults("409", method="DELETE")
    assert d.transform("b", lambda _: DELETE_CURRENT) is DELETE_CURRENT
    assert "b" not in d
    with d.lock("a"):
        server.set_faults("409", method="DELETE")
    with d.lock("a", timeout=0):  # freed despite the conflict
        pass
    assert dict(d.items()) == {"a": 1}
