"""The S3 lifecycle rule for a TTL: installed under the dict's prefix, read back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from persidict import S3Dict


@pytest.fixture(params=["s3_mock", "s3_http"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _rules(d: S3Dict) -> list[dict[str, Any]]:
    client = d.s3_store.client
    return client.get_bucket_lifecycle_configuration(Bucket=d.bucket_name)["Rules"]


def test_rule_expires_the_prefix_after_whole_days(make_dict: Callable[..., Any]) -> None:
    d = make_dict(ttl=1.5 * 86400)
    assert d.install_lifecycle_rule() == 2  # ttl rounded up to whole days
    (rule,) = _rules(d)
    assert rule["ID"] == "persidict-ttl:main/"
    assert rule["Filter"]["Prefix"] == "main/"
    assert rule["Expiration"]["Days"] == 2
    assert rule["Status"] == "Enabled"


def test_rule_replaces_its_own_and_keeps_other_rules(make_dict: Callable[..., Any]) -> None:
    d = make_dict(ttl=60)
    other = make_dict("other")
    client = d.s3_store.client
    client.put_bucket_lifecycle_configuration(Bucket=d.bucket_name, LifecycleConfiguration={
        "Rules": [{"ID": "theirs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
                   "Expiration": {"Days": 30}}]})
    assert d.install_lifecycle_rule() == 1
    assert d.install_lifecycle_rule(7) == 7
    assert other.install_lifecycle_rule(3) == 3  # a dict without ttl gives days
    by_id = {r["ID"]: r for r in _rules(d)}
    assert sorted(by_id) == ["persidict-ttl:main/", "persidict-ttl:other/", "theirs"]
    assert by_id["persidict-ttl:main/"]["Expiration"]["Days"] == 7
    assert by_id["theirs"]["Expiration"]["Days"] == 30


@pytest.mark.parametrize(("days", "error"), [
    (0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError), ("1", TypeError)])
def test_bad_days_are_refused(make_dict: Callable[..., Any], days: Any,
                              error: type[Exception]) -> None:
    d = make_dict(ttl=60)
    with pytest.raises(error, match="days"):
        d.install_lifecycle_rule(days)


def test_no_days_without_ttl_and_no_whole_bucket_by_accident(
        make_dict: Callable[..., Any]) -> None:
    d = make_dict()
    with pytest.raises(ValueError, match="days"):
        d.install_lifecycle_rule()
    whole = S3Dict(**{**d.get_params(), "root_prefix": "", "ttl": 60})
    with pytest.raises(ValueError, match="whole_bucket"):
        whole.install_lifecycle_rule()
    assert whole.install_lifecycle_rule(whole_bucket=True) == 1
    assert _rules(whole)[0]["Filter"]["Prefix"] == ""
