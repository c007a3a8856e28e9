"""persidict.open(url) and d.url: every dict's URL opens an equal dict; bad URLs are
refused with a message naming what is wrong, and create nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import persidict
from persidict import FileDirDict, LocalDict, PersiDict, S3Dict
from persidict.tools import SCHEMES


def skip_zip_writer(backend: str) -> None:
    if backend == "zip":  # test_zip_store.py tests zip:// URLs
        pytest.skip("a zip archive has one writer: its URL cannot open a second one")
    if backend == "tiered":
        pytest.skip("a PersiDict over a CachingStore of two folders has no URL scheme")


@pytest.mark.plain_dict  # a wrapper has no URL (test_a_wrapper_has_no_url)
def test_url_opens_an_equal_dict(make_dict: Callable[..., PersiDict], backend: str) -> None:
    skip_zip_writer(backend)
    d = make_dict(file_type="json")
    d["a", "b"] = {"x": 1}
    twin = persidict.open(d.url)
    assert twin == d
    assert type(twin) is type(d)
    assert twin["a", "b"] == {"x": 1}
    twin["c"] = 2
    assert d["c"] == 2


@pytest.mark.plain_dict  # a wrapper has no URL (test_a_wrapper_has_no_url)
def test_url_keeps_every_parameter(make_dict: Callable[..., PersiDict], backend: str) -> None:
    skip_zip_writer(backend)
    d = make_dict(file_type="txt", immutable_items=True, digest_len=0, ttl=3600.0)
    twin = persidict.open(d.url)
    assert twin == d
    assert twin.get_params() == d.get_params()
    assert (twin.file_type, twin.immutable_items, twin.digest_len, twin.ttl) \
        == ("txt", True, 0, 3600.0)


@pytest.mark.plain_dict  # a wrapper has no URL (test_a_wrapper_has_no_url)
def test_subdict_url_opens_the_subdict(make_dict: Callable[..., PersiDict],
                                       backend: str) -> None:
    skip_zip_writer(backend)
    d = make_dict()
    d["team", "alice"] = 1
    sub = d.get_subdict("team")
    twin = persidict.open(sub.url)
    assert twin == sub
    assert twin["alice"] == 1
    assert len(twin) == 1


def test_memory_urls_share_items_by_name() -> None:
    a = persidict.open("memory://shared-by-name")
    b = persidict.open("memory://shared-by-name/")
    a["k"] = 1
    assert b["k"] == 1
    assert isinstance(b, LocalDict)
    assert a.url == "memory://shared-by-name/"
    assert "k" not in persidict.open("memory://another-name")


def test_a_plain_path_is_a_folder(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    d = persidict.open("relative/folder", file_type="json")
    assert isinstance(d, FileDirDict)
    assert d.base_dir == str(tmp_path / "relative" / "folder")
    assert d.url == f"file://{tmp_path}/relative/folder?file_type=json"
    assert persidict.open(f"file://localhost{tmp_path}/relative/folder?file_type=json") == d


def test_query_values_are_typed(tmp_path: Any) -> None:
    d = persidict.open(f"file://{tmp_path}?digest_len=4&immutable_items=true&ttl=1.5"
                       "&durable=yes&item_ttl=false")
    assert (d.digest_len, d.immutable_items, d.ttl, d.get_params()["durable"]) \
        == (4, True, 1.5, True)
    assert persidict.open(f"file://{tmp_path}?ttl=none").ttl is None


def test_keywords_win_over_the_query(tmp_path: Any) -> None:
    d = persidict.open(f"file://{tmp_path}?file_type=json", file_type="txt",
                       base_class_for_values=str)
    assert d.file_type == "txt"
    assert d.base_class_for_values is str


def test_paths_with_odd_characters_round_trip(tmp_path: Any) -> None:
    folder = tmp_path / "a b%c?d#e"
    d = FileDirDict(folder)
    assert persidict.open(d.url) == d


def test_s3_url_parameters(s3_endpoint: str, tmp_path: Any) -> None:
    url = (f"s3://url-test-bucket/some/prefix?endpoint_url={s3_endpoint}&file_type=json"
           f"&max_workers=4&lock_lease=12.5&base_dir={tmp_path}/cache")
    d = persidict.open(url)
    assert isinstance(d, S3Dict)
    assert (d.bucket_name, d.root_prefix, d.file_type, d.base_dir) \
        == ("url-test-bucket", "some/prefix/", "json", f"{tmp_path}/cache")
    assert d.get_params()["max_workers"] == 4
    assert d.get_params()["lock_lease"] == 12.5
    assert persidict.open(d.url) == d
    # no local cache unless asked: a URL opened from the shell leaves no folder behind
    assert persidict.open(f"s3://url-test-bucket?endpoint_url={s3_endpoint}").base_dir is None


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://host/x", ["unknown URL scheme 'ftp'", "file://", "memory://", "s3://"]),
    ("s3:/bucket", ["malformed URL", "./s3:/bucket"]),
    ("s3://", ["names a bucket"]),
    ("s3:///prefix", ["names a bucket"]),
    ("file://relative/path", ["absolute path"]),
    ("memory://bad name", ["memory store name"]),
    ("memory://x?colour=red", ["unknown parameter 'colour'", "digest_len", "file_type"]),
    ("memory://x?digest_len=eight", ["digest_len", "'eight' is not an int"]),
    ("memory://x?immutable_items=maybe", ["immutable_items", "not a bool"]),
    ("memory://x?ttl=soon", ["ttl", "not a number"]),
    ("memory://x?file_type=json&file_type=pkl", ["'file_type' given twice"]),
    ("memory://x#frag", ["no #fragment"]),
    ("memory://x?digest_len=-1", ["digest_len"]),
    ("memory://x?file_type=no/slash", ["file_type"]),
    ("", ["must not be empty"]),
])
def test_malformed_urls_are_value_errors(url: str, words: list[str]) -> None:
    with pytest.raises(ValueError, match=re.escape(words[0])) as caught:
        persidict.open(url)
    for word in words:
        assert word in str(caught.value)


def test_unknown_keyword_lists_the_known_ones(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match=r"unknown parameter 'colour'.*file_type") as caught:
        persidict.open(str(tmp_path / "never"), colour="red")
    assert "durable" in str(caught.value)
    assert not (tmp_path / "never").exists()


def test_wrong_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match="url must be a str"):
        persidict.open(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="immutable_items"):
        persidict.open("memory://typed", immutable_items="yes")


def test_must_exist_refuses_a_missing_folder_and_creates_none(tmp_path: Any) -> None:
    with pytest.raises(FileNotFoundError, match="no folder"):
        persidict.open(f"file://{tmp_path}/missing", must_exist=True)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "there").mkdir()
    assert len(persidict.open(tmp_path / "there", must_exist=True)) == 0
    with pytest.raises(FileNotFoundError, match="no memory store"):
        persidict.open("memory://never-made-here", must_exist=True)


def test_must_exist_refuses_a_missing_bucket_and_creates_none(s3_endpoint: str) -> None:
    url = f"s3://missing-bucket-for-urls/p?endpoint_url={s3_endpoint}"
    with pytest.raises(FileNotFoundError, match="no bucket 'missing-bucket-for-urls'"):
        persidict.open(url, must_exist=True)
    client = persidict.open(f"s3://other-bucket?endpoint_url={s3_endpoint}").s3_store.client
    names = [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert "missing-bucket-for-urls" not in names
    persidict.open(url)  # creates it, as S3Dict does
    assert len(persidict.open(url, must_exist=True)) == 0


def test_dicts_no_url_can_hold_say_so(tmp_path: Any, s3_endpoint: str) -> None:
    with pytest.raises(ValueError, match=r"base_class_for_values.*keyword"):
        _ = FileDirDict(tmp_path, base_class_for_values=dict).url
    client = S3Dict("injected", base_dir=None, endpoint_url=s3_endpoint).s3_store.client
    with pytest.raises(ValueError, match="injected client"):
        _ = S3Dict("injected", base_dir=None, client=client).url
    with pytest.raises(ValueError, match="PersiDict has no URL"):
        _ = PersiDict(LocalDict().store).url


def test_every_scheme_has_a_dict_type_and_parsers() -> None:
    assert {"file", "s3", "memory"} <= set(SCHEMES)
    for scheme in SCHEMES.values():
        known = set(scheme.keywords())
        assert set(scheme.query) <= known, scheme.name


@pytest.mark.parametrize("wrap", [persidict.read_only, persidict.cached, persidict.logged])
def test_a_wrapper_has_no_url(tmp_path: Any, wrap: Callable[[PersiDict], PersiDict]) -> None:
    with pytest.raises(ValueError, match="has no URL"):
        _ = wrap(FileDirDict(tmp_path)).url
