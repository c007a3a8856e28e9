"""S3 requests of proxies, counted by a botocore hook: opening is one GET, a change
saved at once costs what ``transform`` costs, reading through a proxy costs none."""

from __future__ import annotations

from typing import Any

import pytest
from test_s3_requests import Requests

from persidict import S3Dict

pytestmark = pytest.mark.s3_only


def older(v: dict[str, Any]) -> dict[str, Any]:
    return {**v, "age": v["age"] + 1}


def test_proxy_requests(make_dict: Any) -> None:
    d: S3Dict = make_dict()
    d["dennis"] = {"name": "dennis", "age": 41}
    count = Requests(d)
    transform = count.of(lambda: d.transform("dennis", older))
    assert transform == ["GetObject", "PutObject"]
    proxies: list[Any] = []
    assert count.of(lambda: proxies.append(d.proxy("dennis"))) == ["GetObject"]
    [p] = proxies
    assert count.of(lambda: (p.name, p["age"], p.changes, p.dirty)) == []

    def bump() -> None:
        p.age += 1

    assert count.of(bump) == transform
    assert count.of(p.commit) == []  # nothing unsaved
    assert d["dennis"]["age"] == 43
    deferred = d.proxy("dennis", save_on_change=False)

    def three_changes() -> None:
        for _ in range(3):
            deferred.age += 1

    assert count.of(three_changes) == []
    assert count.of(deferred.commit) == transform
    assert d["dennis"]["age"] == 46
