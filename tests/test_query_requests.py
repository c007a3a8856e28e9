"""What a sort-key query costs on S3, counted per request sent (and at the HTTP endpoint).

A partition of 1,000 items read in LIST pages of 10 names has the page arithmetic of
100,000 items in S3's pages of 1,000: a full listing takes 100 LISTs either way, and
what a bounded query saves is counted in pages. (Writing 100,000 objects would take
minutes here; ``bench/bench_query.py`` measures 10,000 items at S3's own page size.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from persidict import S3Dict

LIST = "ListObjectsV2"


@pytest.fixture(params=["s3_mock", "s3_http"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def stamps(month: int) -> list[str]:
    """100 sort keys of one month, 4 a day: ``2024-06-01T000000`` ..."""
    return [f"2024-{month:02d}-{1 + j // 4:02d}T{(j % 4) * 6:02d}0000" for j in range(100)]


EVENTS = [s for month in range(1, 11) for s in stamps(month)]


class Requests:
    """The operations an S3Dict's client sends, and (over HTTP) what the endpoint served."""

    def __init__(self, d: S3Dict, served: Callable[[], int] | None) -> None:
        self.sent: list[str] = []
        self.served = served
        d.s3_store.client.meta.events.register(
            "request-created.s3", lambda operation_name, **_: self.sent.append(operation_name))

    def of(self, action: Callable[[], Any]) -> list[str]:
        self.sent.clear()
        before = self.served() if self.served else 0
        action()
        if self.served:
            assert self.served() - before == len(self.sent)
        return sorted(self.sent)


@pytest.fixture
def events(make_dict: Callable[..., Any], backend: str,
           request: pytest.FixtureRequest) -> tuple[S3Dict, Requests]:
    d = make_dict()
    d.set_many({("events", s): i for i, s in enumerate(EVENTS)})
    d.set_many({("other", str(i)): i for i in range(30)})
    d.set_many({("deep", day, f"{i:03d}"): i for day in ("2024-06-01", "2024-06-02")
                for i in range(30)})
    d.s3_store.list_page_size = 10
    served = request.getfixturevalue("s3_server").served if backend == "s3_http" else None
    return d, Requests(d, served)


def test_a_full_listing_takes_a_page_per_ten_names(events: tuple[S3Dict, Requests]) -> None:
    d, count = events
    assert count.of(lambda: len(d.get_subdict("events"))) == [LIST] * 100


def test_bounded_queries_list_only_the_pages_they_need(events: tuple[S3Dict, Requests]) -> None:
    d, count = events
    june = [("events", s) for s in stamps(6)]
    got: list[Any] = []

    def run(**options: Any) -> list[str]:
        got.clear()
        return count.of(lambda: got.extend(d.query_keys("events", **options)))

    # one page from "2024-06" on, and one to look up "2024-06" itself (its leaf
    # "2024-06.pkl" and folder "2024-06/" would come after all of "2024-06-...")
    assert run(starts_with="2024-06", limit=10) == [LIST] * 2
    assert got == june[:10]
    assert run(start="2024-06", limit=10) == [LIST] * 2
    assert got == june[:10]
    assert run(start="2024-06-10", stop="2024-06-12") == [LIST]
    assert got == june[36:44]
    # unbounded: the first page and a look-up for each of "2024" and "2024-01"
    assert run(limit=10) == [LIST] * 3
    assert got == [("events", s) for s in EVENTS[:10]]
    # S3 cannot list backwards: a reverse query lists its whole range, here June
    assert run(starts_with="2024-06", reverse=True, limit=3) == [LIST] * 10
    assert got == june[::-1][:3]
    assert run(start="2024-06-20", stop="2024-07", reverse=True, limit=2) == [LIST] * 3
    assert got == june[::-1][:2]


def test_a_bounded_query_reads_only_the_values_it_gives(events: tuple[S3Dict, Requests]) -> None:
    d, count = events
    got: list[Any] = []
    sent = count.of(lambda: got.extend(d.query("events", starts_with="2024-06", limit=10)))
    assert sent == ["GetObject"] * 10 + [LIST] * 2
    assert [v for _, v in got] == list(range(500, 510))


def test_a_query_opens_only_the_subfolders_it_needs(events: tuple[S3Dict, Requests]) -> None:
    d, count = events
    got: list[Any] = []
    # one delimited LIST of "deep/" (two folders), one of the first day's folder
    sent = count.of(lambda: got.extend(d.query_keys("deep", limit=5)))
    assert sent == [LIST] * 2
    assert got == [("deep", "2024-06-01", f"{i:03d}") for i in range(5)]
    sent = count.of(lambda: got.extend(d.query_keys("deep", start=("2024-06-02", "025"))))
    assert sent == [LIST] * 2
