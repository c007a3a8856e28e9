"""newest_keys with history costs O(n), not O(size of the dict): on S3 a LIST or
two of the newest records (counted: by a botocore hook on the in-process mock with
100,000 items, at the HTTP endpoint with fewer), on a folder a few small folders."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from test_s3_requests import Requests

from persidict import PersiDict, S3Dict
from persidict._records import HISTORY_DIR, record_body, record_path
from persidict.stores import FileStore

Make = Callable[..., PersiDict]


def seed_into_moto(d: S3Dict, n: int) -> None:
    """``n`` items ``k<i>`` = i and their history records (k0 oldest), written
    straight into moto's in-process backend: 200,000 objects through boto3 would
    take minutes, this takes seconds, and the dict reads them through S3 requests."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    bucket, prefix = d.bucket_name, d.root_prefix
    start = time.time_ns() - n * 1000
    for i in range(n):
        name, data, ns = d._name_of(f"k{i}"), d._encode(i), start + i * 1000
        backend.put_object(bucket, prefix + name, data)
        backend.put_object(bucket, f"{prefix}{HISTORY_DIR}/{record_path(ns, 's', name)}",
                           record_body(ns, name, data))


@pytest.mark.s3_only
@pytest.mark.slow
def test_newest_keys_of_100000_items_cost_at_most_three_lists(backend: str,
                                                               make_dict: Make) -> None:
    if backend != "s3_mock":
        pytest.skip("seeded in the in-process backend; the HTTP endpoint runs the next test")
    d = make_dict(history=True)
    assert isinstance(d, S3Dict)
    seed_into_moto(d, 100_000)
    d["k5"] = "again"  # an overwrite makes k5 the newest
    del d["k99999"]  # a delete makes the newest item absent
    count = Requests(d)
    expected = ["k5"] + [f"k{i}" for i in range(99_998, 99_989, -1)]
    assert count.of(lambda: d.newest_keys(10)) == ["ListObjectsV2"]
    assert d.newest_keys(10) == expected
    sent = count.of(lambda: d.newest_values(3))
    assert sent.count("ListObjectsV2") == 1
    assert d.newest_values(3) == ["again", 99_998, 99_997]


@pytest.mark.s3_only
@pytest.mark.slow
def test_newest_keys_requests_counted_at_the_endpoint(backend: str, make_dict: Make,
                                                      s3_server: Any) -> None:
    if backend != "s3_http":
        pytest.skip("counts at the HTTP endpoint")
    d = make_dict(history=True)
    d.set_many({f"k{i}": i for i in range(1_500)})  # 2 LIST pages of values, 2 of records
    d["k7"] = "again"
    before = s3_server.served()
    keys = d.newest_keys(10)
    assert s3_server.served() - before <= 3  # LISTs only: no HEAD, no GET
    assert keys[0] == "k7"
    assert len(keys) == 10
    assert set(keys) <= {f"k{i}" for i in range(1_500)}
    before = s3_server.served()
    assert len(d.newest_keys()) == 1_500  # all: the listing, as without history
    assert s3_server.served() - before >= 3


class CountingFileStore(FileStore):
    """A FileStore that notes every listing it does."""

    def __init__(self, root: Any) -> None:
        super().__init__(root)
        self.listed: list[str] = []

    def folder_entries(self, folder: str = "", **options: Any) -> Any:
        self.listed.append(folder)
        return super().folder_entries(folder, **options)

    def names_by_folder(self, suffix: str = "") -> Any:
        self.listed.append("whole tree")
        return super().names_by_folder(suffix)

    def mtimes_by_folder(self, suffix: str = "") -> Any:
        self.listed.append("whole tree")
        return super().mtimes_by_folder(suffix)


def test_newest_keys_on_a_folder_list_only_the_newest_records(tmp_path: Any) -> None:
    store = CountingFileStore(tmp_path)
    d = PersiDict(store, history=True)
    d.set_many({("p", str(i)): i for i in range(3_000)})
    d["p", "7"] = "again"
    store.listed.clear()
    keys = d.newest_keys(10)
    assert keys[0] == ("p", "7")
    assert len(keys) == 10
    assert "whole tree" not in store.listed
    assert all(folder.startswith(HISTORY_DIR) for folder in store.listed)
    assert len(store.listed) <= 4  # #history, its newest ~17-minute folder, a second or two
