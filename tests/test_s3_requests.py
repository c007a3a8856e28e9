"""S3 cost model: requests per operation, counted by a botocore hook on every attempt."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from persidict import S3Dict

pytestmark = pytest.mark.s3_only


class Requests:
    """Counts the requests an S3Dict's client sends (retries included)."""

    def __init__(self, d: S3Dict) -> None:
        self.sent: list[str] = []
        self.statuses: list[int] = []
        events = d.s3_store.client.meta.events
        events.register("request-created.s3", self._created)
        events.register("before-parse.s3", self._answered)

    def _created(self, operation_name: str, **_: Any) -> None:
        self.sent.append(operation_name)

    def _answered(self, response_dict: dict[str, Any], **_: Any) -> None:
        self.statuses.append(response_dict["status_code"])

    def of(self, action: Callable[[], Any]) -> list[str]:
        """The operations ``action`` sent, in order."""
        self.sent.clear()
        self.statuses.clear()
        action()
        return list(self.sent)


@pytest.fixture(params=[False, True], ids=["no-cache", "cache"])
def s3dict(make_dict: Callable[..., Any], request: pytest.FixtureRequest,
           tmp_path: Any) -> S3Dict:
    d = make_dict()
    params = {**d.get_params(), "base_dir": tmp_path / "cache" if request.param else None}
    return S3Dict(**params)


def test_single_key_operations_cost_one_request(s3dict: S3Dict) -> None:
    count = Requests(s3dict)
    assert count.of(lambda: s3dict.__setitem__(("a", "b"), 1)) == ["PutObject"]
    assert count.of(lambda: s3dict["a", "b"]) == ["GetObject"]
    assert count.of(lambda: ("a", "b") in s3dict) == ["HeadObject"]
    assert count.of(lambda: "zz" in s3dict) == ["HeadObject"]
    assert count.of(lambda: s3dict.timestamp(("a", "b"))) == ["HeadObject"]
    assert count.of(lambda: s3dict.etag(("a", "b"))) == ["HeadObject"]
    assert count.of(lambda: s3dict.get_subdict("a")) == []
    assert count.of(lambda: s3dict.get_subdict("a")["b"]) == ["GetObject"]


def test_deletes_cost_at_most_two_requests(s3dict: S3Dict) -> None:
    # DeleteObject answers 204 whether or not the object existed: telling
    # "deleted" from "was absent" takes a HEAD first.
    count = Requests(s3dict)
    s3dict["a"] = 1
    assert count.of(lambda: s3dict.__delitem__("a")) == ["HeadObject", "DeleteObject"]
    with pytest.raises(KeyError):
        s3dict["a"]
    s3dict["a"] = 1
    assert len(count.of(lambda: s3dict.delete_if_exists("a"))) <= 2
    assert count.of(lambda: s3dict.delete_if_exists("a")) == ["HeadObject"]


def test_conditional_operations_cost_one_request(s3dict: S3Dict) -> None:
    count = Requests(s3dict)
    assert count.of(lambda: s3dict.add("a", 1)) == ["PutObject"]
    value_etag: list[Any] = []
    assert count.of(lambda: value_etag.extend(s3dict.get_with_etag("a"))) == ["GetObject"]
    assert count.of(lambda: s3dict.compare_and_set("a", 2, value_etag[1])) == ["PutObject"]
    # a failed condition is final unless botocore retried (see test_races.py)
    assert count.of(lambda: s3dict.add("a", 3)) == ["PutObject"]
    assert count.of(lambda: s3dict.compare_and_set("a", 4, value_etag[1])) == ["PutObject"]
    assert count.of(lambda: s3dict.incr("n")) == ["GetObject", "PutObject"]


def test_listing_costs_one_request_per_thousand_keys(make_dict: Callable[..., Any]) -> None:
    s3dict = make_dict()  # the cache plays no part in listing
    s3dict.set_many({("k", str(i)): i for i in range(1001)})
    s3dict["top"] = 0
    count = Requests(s3dict)
    assert count.of(lambda: len(s3dict)) == ["ListObjectsV2"] * 2
    assert count.of(lambda: sum(1 for _ in s3dict)) == ["ListObjectsV2"] * 2
    # list() asks len() for a size hint as well: still one listing
    for idiom in (list, sorted, tuple, set):
        assert count.of(partial(idiom, s3dict)) == ["ListObjectsV2"] * 2, idiom
        assert count.of(lambda i=idiom: i(s3dict.keys())) == ["ListObjectsV2"] * 2, idiom
    assert count.of(lambda: list(s3dict.keys_and_timestamps())) == ["ListObjectsV2"] * 2
    assert count.of(lambda: s3dict.newest_keys(3)) == ["ListObjectsV2"] * 2
    assert count.of(lambda: s3dict.oldest_keys()) == ["ListObjectsV2"] * 2
    assert count.of(lambda: len(s3dict.get_subdict("k"))) == ["ListObjectsV2"] * 2
    # one delimited LIST, then one page per prefix to check it still holds a key
    assert count.of(lambda: s3dict.subdicts()) == ["ListObjectsV2"] * 2


def test_bulk_reads_cost_one_get_per_value(s3dict: S3Dict) -> None:
    s3dict.set_many({str(i): i for i in range(50)})
    count = Requests(s3dict)
    sent = count.of(lambda: dict(s3dict.items()))
    assert sorted(sent) == ["GetObject"] * 50 + ["ListObjectsV2"]
    assert sorted(count.of(lambda: list(s3dict.items()))) == ["GetObject"] * 50 + ["ListObjectsV2"]
    assert sorted(count.of(lambda: list(s3dict.values()))) == ["GetObject"] * 50 + ["ListObjectsV2"]
    assert count.of(lambda: s3dict.get_many(["1", "2"])) == ["GetObject"] * 2
    assert count.of(lambda: s3dict.update({"x": 1, "y": 2})) == ["PutObject"] * 2
    assert count.of(lambda: s3dict.add_many({"x": 1, "z": 2})) == ["PutObject"] * 2


def test_clear_costs_one_delete_per_thousand_keys(make_dict: Callable[..., Any]) -> None:
    s3dict = make_dict()
    s3dict.set_many({("k", str(i)): i for i in range(1001)})
    count = Requests(s3dict)
    assert sorted(count.of(s3dict.clear)) == ["DeleteObjects"] * 2 + ["ListObjectsV2"] * 2
    assert len(s3dict) == 0


def test_constructing_costs_at_most_two_requests(make_dict: Callable[..., Any]) -> None:
    first = make_dict()
    client = first.s3_store.client
    sent: list[str] = []
    client.meta.events.register("request-created.s3",
                                lambda operation_name, **_: sent.append(operation_name))
    S3Dict(first.bucket_name, client=client, base_dir=None)
    assert sent == ["HeadBucket"]
    sent.clear()
    S3Dict(first.bucket_name + "-new", client=client, base_dir=None)
    assert sent == ["HeadBucket", "CreateBucket"]


def test_bulk_reads_run_concurrently(make_dict: Callable[..., Any]) -> None:
    import threading

    d = S3Dict(**{**make_dict().get_params(), "max_workers": 4, "base_dir": None})
    d.set_many({str(i): i for i in range(40)})
    threads: set[str] = set()
    d.s3_store.client.meta.events.register(
        "request-created.s3.GetObject",
        lambda **_: threads.add(threading.current_thread().name))
    assert sorted(v for _, v in d.items()) == list(range(40))
    assert 1 < len(threads) <= 4
    assert threading.current_thread().name not in threads
