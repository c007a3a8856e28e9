"""S3 object layout (DESIGN.md §5), bucket creation, parameters and pickling of S3Dict."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest

from persidict import S3Dict
from persidict.stores import S3Store

pytestmark = pytest.mark.s3_only


def raw_names(d: S3Dict) -> list[str]:
    response = d.s3_store.client.list_objects_v2(Bucket=d.bucket_name)
    return sorted(obj["Key"] for obj in response.get("Contents", ()))


def test_object_names_have_no_digest_suffix(make_dict: Callable[..., Any]) -> None:
    d = make_dict("root", file_type="json", digest_len=8)
    d["a", "B"] = 1
    d["Top"] = 2
    assert raw_names(d) == ["root/Top.json", "root/a/B.json"]
    assert d.digest_len == 8
    assert d.root_prefix == "root/"


def test_objects_written_by_others_are_read_and_listed(make_dict: Callable[..., Any]) -> None:
    d = make_dict("root", file_type="json")
    client = d.s3_store.client
    client.put_object(Bucket=d.bucket_name, Key="root/x/y.json", Body=b'{"v": 1}')
    client.put_object(Bucket=d.bucket_name, Key="root/other.txt", Body=b"not ours")
    client.put_object(Bucket=d.bucket_name, Key="root/bad#name.json", Body=b"1")
    client.put_object(Bucket=d.bucket_name, Key="elsewhere/z.json", Body=b"1")
    assert d["x", "y"] == {"v": 1}
    assert list(d) == [("x", "y")]
    etag = d.etag(("x", "y"))  # no write id in a foreign object's metadata
    assert d.compare_and_set(("x", "y"), 2, etag)
    assert d["x", "y"] == 2


def test_internal_objects_contain_a_hash_and_are_never_keys(
        make_dict: Callable[..., Any]) -> None:
    d = make_dict()
    d["a"] = 1
    with d.lock("a"), d.get_subdict("s").lock("b"):
        assert any("#" in name for name in raw_names(d))
        assert list(d) == ["a"]
        assert len(d) == 1
        assert d.subdicts() == {}
    assert all("#" not in name for name in raw_names(d))


def test_bucket_is_created_in_the_region(make_dict: Callable[..., Any]) -> None:
    from conftest import new_bucket_name

    params = make_dict().get_params()
    d = S3Dict(**{**params, "bucket_name": new_bucket_name(), "region": "eu-west-1"})
    d["a"] = 1
    location = d.s3_store.client.get_bucket_location(Bucket=d.bucket_name)
    assert location["LocationConstraint"] == "eu-west-1"


def test_get_params_round_trip_and_pickling(make_dict: Callable[..., Any]) -> None:
    d = make_dict("p", file_type="json", immutable_items=True, digest_len=4)
    d["k"] = 1
    params = d.get_params()
    assert params["root_prefix"] == "p/"
    assert S3Dict(**params) == d
    assert dict(S3Dict(**params).items()) == {"k": 1}
    again = pickle.loads(pickle.dumps(d))
    assert again == d
    assert again["k"] == 1
    again["j"] = 2
    assert dict(d.items()) == dict(again.items()) == {"k": 1, "j": 2}
    sub = d.get_subdict("s")
    assert pickle.loads(pickle.dumps(sub)).root_prefix == "p/s/"


def test_an_injected_client_is_used_and_refuses_pickling(make_dict: Callable[..., Any]) -> None:
    d = make_dict()
    injected = S3Dict(d.bucket_name, root_prefix="main", client=d.s3_store.client,
                      base_dir=None)
    d["a"] = 1
    assert injected["a"] == 1
    assert S3Dict(**injected.get_params()) == injected
    assert dict(S3Dict(**injected.get_params()).items()) == {"a": 1}
    with pytest.raises(TypeError, match="injected client"):
        pickle.dumps(injected)


@pytest.mark.parametrize(("params", "error"), [
    ({"bucket_name": 3}, TypeError), ({"bucket_name": ""}, ValueError),
    ({"root_prefix": "/abs"}, ValueError), ({"root_prefix": "a#b"}, ValueError),
    ({"region": 5}, TypeError), ({"base_dir": 5}, TypeError),
    ({"max_attempts": 0}, ValueError), ({"max_workers": 0}, ValueError),
    ({"max_workers": "4"}, TypeError), ({"max_workers": True}, TypeError),
    ({"max_attempts": "3"}, TypeError), ({"max_attempts": True}, TypeError),
    ({"lock_lease": 0}, ValueError), ({"lock_lease": float("nan")}, ValueError),
    ({"lock_lease": "x"}, TypeError), ({"endpoint_url": 5}, TypeError),
    ({"root_prefix": 5}, TypeError),
    ({"file_type": "a b"}, ValueError),
])
def test_bad_parameters_are_refused_before_any_request(params: dict[str, Any],
                                                       error: type[Exception]) -> None:
    with pytest.raises(error):
        S3Dict(**{"endpoint_url": "http://127.0.0.1:1", "max_attempts": 1, **params})


def test_store_url_and_substore_share_the_client(make_dict: Callable[..., Any]) -> None:
    store = make_dict("r").s3_store
    assert isinstance(store, S3Store)
    assert store.url == f"s3://{store.bucket}/r/"
    sub = store.substore("x")
    assert sub.url == f"s3://{store.bucket}/r/x/"
    assert sub.client is store.client
