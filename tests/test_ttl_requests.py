"""What TTL costs on S3, counted at the endpoint: the same requests as without it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from test_s3_requests import Requests

import persidict.ttl
from persidict import S3Dict

pytestmark = pytest.mark.s3_only


@pytest.fixture
def s3dict(make_s3dict: Callable[..., S3Dict]) -> S3Dict:
    return make_s3dict(ttl=60)


def test_single_key_reads_cost_one_request(s3dict: S3Dict,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    count = Requests(s3dict)
    s3dict["a", "b"] = 1
    assert count.of(lambda: s3dict.get(("a", "b"))) == ["GetObject"]
    assert count.of(lambda: ("a", "b") in s3dict) == ["HeadObject"]
    assert count.of(lambda: s3dict.timestamp(("a", "b"))) == ["HeadObject"]
    assert count.of(lambda: s3dict.get_with_etag(("a", "b"))) == ["GetObject"]
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 120)
    assert count.of(lambda: s3dict.get(("a", "b"))) == ["GetObject"]  # expired: still one
    assert count.of(lambda: ("a", "b") in s3dict) == ["HeadObject"]


def test_add_costs_one_request_and_three_over_an_expired_item(
        s3dict: S3Dict, monkeypatch: pytest.MonkeyPatch) -> None:
    count = Requests(s3dict)
    assert count.of(lambda: s3dict.add("a", 1)) == ["PutObject"]
    assert count.of(lambda: s3dict.add("a", 1)) == ["PutObject", "HeadObject"]
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 120)
    # the create fails, a HEAD finds the version expired, a PUT If-Match replaces it
    assert count.of(lambda: s3dict.add("a", 2)) == ["PutObject", "HeadObject", "PutObject"]


def test_listing_costs_one_request_per_thousand_keys(make_dict: Callable[..., Any]) -> None:
    s3dict = make_dict(ttl=60)
    s3dict.set_many({("k", str(i)): i for i in range(1001)})
    count = Requests(s3dict)
    assert count.of(lambda: len(s3dict)) == ["ListObjectsV2"] * 2
    for idiom in (list, sorted, set):
        assert count.of(partial(idiom, s3dict)) == ["ListObjectsV2"] * 2, idiom
    assert count.of(lambda: s3dict.newest_keys(3)) == ["ListObjectsV2"] * 2
    assert count.of(lambda: list(s3dict.keys_and_timestamps())) == ["ListObjectsV2"] * 2
    assert count.of(lambda: s3dict.random_key()) == ["ListObjectsV2"] * 2
    # nothing expired: a purge lists and deletes nothing
    assert count.of(s3dict.purge_expired) == ["ListObjectsV2"] * 2


def test_per_item_ttl_costs(make_dict: Callable[..., Any],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_dict(item_ttl=True)
    count = Requests(d)
    # the index entry, then the value
    assert count.of(lambda: d.set("a", 1, ttl=60)) == ["PutObject", "PutObject"]
    assert count.of(lambda: d.__setitem__("b", 1)) == ["PutObject"]
    # the expiry is in the bytes: one GET decides, also for `in`
    assert count.of(lambda: d["a"]) == ["GetObject"]
    assert count.of(lambda: "a" in d) == ["GetObject"]
    assert count.of(lambda: d.expires_at("a")) == ["GetObject"]
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 120)
    assert count.of(lambda: d.get("a")) == ["GetObject"]
    assert count.of(lambda: len(d)) == ["ListObjectsV2"]
    assert len(d) == 1


def test_listing_per_item_ttls_costs_at_most_one_more_list_per_thousand_keys(
        make_dict: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_dict(item_ttl=True)
    for i in range(1001):  # 1,001 values and 1,001 index entries: 3 pages, not 2
        d.set(("k", str(i)), i, ttl=60 if i % 2 else 600)
    count = Requests(d)
    assert count.of(lambda: len(d)) == ["ListObjectsV2"] * 3
    assert count.of(lambda: list(d)) == ["ListObjectsV2"] * 3
    assert count.of(lambda: d.newest_keys(3)) == ["ListObjectsV2"] * 3
    monkeypatch.setattr(persidict.ttl, "clock", lambda: time.time() + 120)
    assert count.of(lambda: len(d)) == ["ListObjectsV2"] * 3  # no GET per key
    assert len(d) == 501  # the even ones, with 600 s
    assert len(d.get_subdict("k")) == 501
