"""The local cache of S3Dict (base_dir): fewer downloads, never a value S3 no longer holds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from test_s3_requests import Requests

from persidict import S3Dict

pytestmark = pytest.mark.s3_only


@pytest.fixture
def pair(make_dict: Callable[..., Any], tmp_path: Any) -> tuple[S3Dict, S3Dict]:
    """A cached dict and an uncached handle on the same objects (another machine)."""
    params = make_dict(file_type="json").get_params()
    return (S3Dict(**{**params, "base_dir": tmp_path / "cache"}),
            S3Dict(**{**params, "base_dir": None}))


def test_unchanged_values_are_revalidated_not_downloaded(pair: tuple[S3Dict, S3Dict]) -> None:
    cached, _ = pair
    cached["a"] = "x" * 1000
    count = Requests(cached)
    assert count.of(lambda: cached["a"]) == ["GetObject"]
    assert count.statuses == [304]
    assert cached["a"] == "x" * 1000


def test_changes_by_others_are_seen(pair: tuple[S3Dict, S3Dict]) -> None:
    cached, other = pair
    cached["a"] = 1
    assert cached["a"] == 1
    other["a"] = 2
    count = Requests(cached)
    assert count.of(lambda: cached["a"]) == ["GetObject"]
    assert count.statuses == [200]
    assert cached["a"] == 2
    other["a"] = 1  # back to bytes the cache once held
    assert cached["a"] == 1
    assert dict(cached.items()) == {"a": 1}


def test_a_value_deleted_by_others_is_never_served(pair: tuple[S3Dict, S3Dict]) -> None:
    cached, other = pair
    cached["a"] = 1
    cached["b"] = 2
    del other["a"]
    with pytest.raises(KeyError):
        cached["a"]
    assert dict(cached.items()) == {"b": 2}
    assert cached.get("a") is None


def test_immutable_items_are_served_from_the_cache_with_no_request(
        make_dict: Callable[..., Any], tmp_path: Any) -> None:
    d = S3Dict(**{**make_dict(immutable_items=True).get_params(), "base_dir": tmp_path})
    d["a"] = [1, 2]
    count = Requests(d)
    assert count.of(lambda: d["a"]) == []
    assert d["a"] == [1, 2]
    fresh = S3Dict(**{**d.get_params(), "base_dir": tmp_path / "empty"})
    count = Requests(fresh)
    assert count.of(lambda: fresh["a"]) == ["GetObject"]  # first read fills the cache
    assert count.of(lambda: fresh["a"]) == []


def test_a_corrupt_cache_entry_is_refetched(pair: tuple[S3Dict, S3Dict], tmp_path: Any) -> None:
    cached, _ = pair
    cached["a"] = 1
    (entry,) = cache_files(tmp_path / "cache")
    entry.write_bytes(b"garbage")
    assert cached["a"] == 1
    assert entry.read_bytes().endswith(b"1")


# --- where entries live: one per S3 object (endpoint, bucket, key), never colliding


def cache_files(folder: Any) -> list[Any]:
    return [p for p in folder.rglob("*") if p.is_file() and "#" not in p.name]


def test_a_key_and_a_folder_of_the_same_name_are_both_cached(
        pair: tuple[S3Dict, S3Dict]) -> None:
    cached, _ = pair
    cached["a"] = 1
    cached["a.json", "b"] = 2  # the object a.json/b.json beside a.json
    cached["c", "d"] = 3
    cached["c.json"] = 4
    assert dict(cached.items()) == {"a": 1, ("a.json", "b"): 2, ("c", "d"): 3,
                                    "c.json": 4}


def test_keys_differing_only_in_case_have_distinct_entries(pair: tuple[S3Dict, S3Dict],
                                                           tmp_path: Any) -> None:
    cached, _ = pair
    cached["Ab"] = 1
    cached["aB"] = 2
    names = {str(p.relative_to(tmp_path / "cache")).lower() for p in
             cache_files(tmp_path / "cache")}
    assert len(names) == 2  # also apart on a case-insensitive disk
    assert (cached["Ab"], cached["aB"]) == (1, 2)


def test_a_key_part_as_long_as_keys_allow_is_cached(pair: tuple[S3Dict, S3Dict],
                                                    tmp_path: Any) -> None:
    cached, _ = pair
    key = ("x" * 253, "y" * 253)
    cached[key] = 1
    count = Requests(cached)
    assert count.of(lambda: cached[key]) == ["GetObject"]
    assert count.statuses == [304]  # served from the cache entry
    assert all(len(p.name) <= 255 for p in (tmp_path / "cache").rglob("*"))


def test_an_unwritable_cache_never_fails_reads_or_writes(
        make_dict: Callable[..., Any], tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_bytes(b"")
    blocked = tmp_path / "file" / "cache"  # every write below it fails
    d = S3Dict(**{**make_dict(file_type="json").get_params(), "base_dir": blocked})
    with caplog.at_level(logging.WARNING, logger="persidict"):
        d["a"] = 1
        assert d.add("b", 2)
        assert d["a"] == 1
        assert dict(d.items()) == {"a": 1, "b": 2}
        assert d.pop("a") == 1
    assert "a" not in d
    assert any("cache" in r.getMessage() for r in caplog.records)


# --- write-once dicts serve only entries known to be of that very version


def test_a_write_once_dict_revalidates_entries_others_wrote(
        make_dict: Callable[..., Any], tmp_path: Any) -> None:
    params = {**make_dict(file_type="json").get_params(), "base_dir": tmp_path / "shared"}
    mutable = S3Dict(**params)  # another handle on the same cache folder
    elsewhere = S3Dict(**{**params, "base_dir": None})  # another machine
    once = S3Dict(**{**params, "immutable_items": True})
    mutable["a"] = 1
    elsewhere["a"] = 2
    count = Requests(once)
    assert count.of(lambda: once["a"]) == ["GetObject"]
    assert once["a"] == 2
    assert count.of(lambda: once["a"]) == []  # fetched by a write-once handle: trusted
    mutable["b"] = 3  # unchanged since: one 304, then trusted
    assert count.of(lambda: once["b"]) == ["GetObject"]
    assert count.statuses == [304]
    assert count.of(lambda: once["b"]) == []
    mutable["b"] = 4  # a mutable handle's entry is no longer trusted
    assert count.of(lambda: once["b"]) == ["GetObject"]
    assert once["b"] == 4


def test_entries_of_the_same_bucket_and_key_on_two_endpoints_are_apart(
        s3_mock_session: None, s3_endpoint: str, tmp_path: Any) -> None:
    from conftest import S3_MOCK_ENDPOINT, new_bucket_name

    bucket = new_bucket_name()
    here, there = (S3Dict(bucket, base_dir=tmp_path, endpoint_url=url, immutable_items=True)
                   for url in (S3_MOCK_ENDPOINT, s3_endpoint))
    here["a"] = "here"
    there["a"] = "there"
    assert (here["a"], there["a"]) == ("here", "there")


def test_entries_of_the_earlier_layout_are_ignored(make_dict: Callable[..., Any],
                                                   tmp_path: Any) -> None:
    d = S3Dict(**{**make_dict(file_type="json", immutable_items=True).get_params(),
                  "base_dir": tmp_path})
    d["a"] = 1
    old = tmp_path / d.bucket_name / d.root_prefix / "a.json"  # bucket/key, framed
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"persidict-cache-1 x\n2")
    assert S3Dict(**d.get_params())["a"] == 1
