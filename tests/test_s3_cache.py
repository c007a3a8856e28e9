"""The local cache of S3Dict (base_dir): fewer downloads, never a value S3 no longer holds."""

from __future__ import annotations

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
    assert dict(cached.items()) == {("a",): 1}


def test_a_value_deleted_by_others_is_never_served(pair: tuple[S3Dict, S3Dict]) -> None:
    cached, other = pair
    cached["a"] = 1
    cached["b"] = 2
    del other["a"]
    with pytest.raises(KeyError):
        cached["a"]
    assert dict(cached.items()) == {("b",): 2}
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
    entry = next(p for p in (tmp_path / "cache").rglob("a.json"))
    entry.write_bytes(b"garbage")
    assert cached["a"] == 1
    assert entry.read_bytes().endswith(b"1")
