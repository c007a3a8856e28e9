"""copy and sync between every pair of backends: byte-exact copies, only what differs,
deletes after an error-free pass and only of the version seen, failures by key."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import BACKENDS, _dict_maker

import persidict
from persidict import (
    LocalDict,
    PersiDict,
    PersiDictWrapper,
    SyncError,
    SyncReport,
    WriteOnceDict,
)

Maker = Callable[..., PersiDict]

ITEMS: dict[Any, Any] = {
    "top": {"a": [1, 2]}, ("team", "alice"): "x" * 3000, ("team", "bob"): 2.5,
    ("deep", "er", "still"): None, **{("many", str(i)): i for i in range(60)}}


@pytest.fixture(params=BACKENDS)
def make_other(request: pytest.FixtureRequest, tmp_path: Any) -> Maker:
    """Dicts of a second backend (the destination), beside ``make_dict``'s."""
    return _dict_maker(request.param, tmp_path / "other", request, "s3_endpoint")


def _strings(keys: Any) -> list[tuple[str, ...]]:
    return sorted(k.strings for k in keys)


def _raw(d: PersiDict) -> dict[Any, bytes]:
    """Every item's stored bytes, read from the store by name."""
    return {k: d.store.read(d.naming.name(k)) for k in d}


def skip_unless_plain(*dicts: PersiDict) -> None:
    if any(isinstance(d, PersiDictWrapper) for d in dicts):
        pytest.skip("a wrapper is copied value by value (test_sync_copies_only_what_differs)")


def test_copy_is_byte_exact_between_every_pair(make_dict: Maker, make_other: Maker) -> None:
    src, dst = make_dict(place="src", file_type="json"), make_other(place="dst", file_type="json")
    skip_unless_plain(src, dst)
    src.update(ITEMS)
    dst["team", "bob"] = "old"
    report = persidict.copy(src, dst)
    assert sorted(report.copied) == sorted(src.keys())
    assert dict(dst.items()) == dict(src.items())
    assert _raw(dst) == _raw(src)
    assert report.bytes_copied == sum(map(len, _raw(src).values()))


def test_sync_copies_only_what_differs(make_dict: Maker, make_other: Maker) -> None:
    src, dst = make_dict(place="src"), make_other(place="dst")
    src.update(ITEMS)
    first = persidict.sync(src, dst)
    assert len(first.copied) == len(ITEMS)
    assert first.skipped == []
    src["team", "bob"] = 3.5  # same size as before, other bytes
    src["top"] = {"a": [1, 2, 3]}
    src["new"] = 1
    second = persidict.sync(src, dst)
    assert _strings(second.copied) == [("new",), ("team", "bob"), ("top",)]
    assert len(second.skipped) == len(ITEMS) - 2
    assert dict(dst.items()) == dict(src.items())
    third = persidict.sync(src, dst)
    assert third.copied == []
    assert len(third.skipped) == len(src)


def test_sync_between_formats_decodes_and_reencodes(make_dict: Maker, make_other: Maker) -> None:
    src, dst = make_dict(place="src", file_type="pkl"), make_other(place="dst", file_type="json")
    src.update(ITEMS)
    assert len(persidict.sync(src, dst).copied) == len(ITEMS)
    assert dict(dst.items()) == dict(src.items())
    assert json.loads(_raw(dst)["top"]) == {"a": [1, 2]}  # stored as JSON, not pickle
    src["top"] = "changed"
    again = persidict.sync(src, dst)
    assert _strings(again.copied) == [("top",)]
    assert dst["top"] == "changed"


def test_delete_removes_only_what_src_lacks(make_dict: Maker, make_other: Maker) -> None:
    src, dst = make_dict(place="src"), make_other(place="dst")
    src.update({"a": 1, ("b", "c"): 2})
    dst.update({"a": 0, "extra": 1, ("b", "gone"): 2})
    kept = persidict.sync(src, dst)
    assert kept.deleted == []
    assert _strings(dst) == [("a",), ("b", "c"), ("b", "gone"), ("extra",)]
    report = persidict.sync(src, dst, delete=True)
    assert _strings(report.deleted) == [("b", "gone"), ("extra",)]
    assert dict(dst.items()) == dict(src.items())


def test_dry_run_writes_nothing(make_dict: Maker, make_other: Maker) -> None:
    src, dst = make_dict(place="src"), make_other(place="dst")
    src.update({"a": 1, "b": 2})
    dst.update({"b": 3, "c": 4})
    before = {k: dst.etag(k) for k in dst}
    report = persidict.sync(src, dst, delete=True, dry_run=True)
    assert isinstance(report, SyncReport)
    assert report.dry_run
    assert _strings(report.copied) == [("a",), ("b",)]
    assert _strings(report.deleted) == [("c",)]
    assert {k: dst.etag(k) for k in dst} == before


def test_one_failure_is_reported_by_key_and_the_rest_goes(make_dict: Maker,
                                                          make_other: Maker) -> None:
    src = make_dict(place="src")
    dst = make_other(place="dst", immutable_items=True)
    src.update({"a": 1, "b": 2, "c": 3})
    dst["b"] = "written once, differently"
    dst["zombie"] = 0  # would be deleted, but a failed pass deletes nothing
    with pytest.raises(SyncError, match=r"1 item.*failed: b") as caught:
        persidict.sync(src, dst, delete=True)
    report = caught.value.report
    assert _strings(caught.value.failed_keys) == [("b",)]
    assert isinstance(report.failed["b"], KeyError)
    assert _strings(report.copied) == [("a",), ("c",)]
    assert report.deleted == []
    assert (dst["a"], dst["b"], dst["c"], dst["zombie"]) == (1, "written once, differently", 3, 0)
    assert report.to_json()["failed"]["b"].startswith("KeyError")


def test_copy_raises_at_the_end_listing_failures(make_dict: Maker) -> None:
    src = make_dict(place="src", file_type="json")
    dst = make_dict(place="dst", file_type="txt")  # text holds str values only
    src.update({"s": "text", "n": 5})
    with pytest.raises(SyncError, match="failed: n") as caught:
        persidict.copy(src, dst)
    assert _strings(caught.value.report.copied) == [("s",)]
    assert dict(dst.items()) == {"s": "text"}


def test_deletes_are_conditional_on_the_version_seen(make_dict: Maker) -> None:
    src, dst = make_dict(place="src"), make_dict(place="dst")
    dst["rewritten"] = 1
    progress_seen: list[tuple[int, int | None]] = []

    def rewrite_before_deletes(done: int, total: int | None) -> None:
        progress_seen.append((done, total))
        if len(progress_seen) == 1:  # after listing, before the delete pass
            dst["rewritten"] = 2

    report = persidict.sync(src, dst, delete=True, progress=rewrite_before_deletes)
    assert _strings(report.kept) == [("rewritten",)]
    assert report.deleted == []
    assert dst["rewritten"] == 2
    assert progress_seen[-1] == (1, 1)


def test_progress_counts_up_to_the_total(make_dict: Maker) -> None:
    src, dst = make_dict(place="src"), make_dict(place="dst")
    src.update({("many", str(i)): i for i in range(600)})  # three chunks
    calls: list[tuple[int, int | None]] = []
    persidict.copy(src, dst, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 600), (256, 600), (512, 600), (600, 600)]


def test_wrappers_go_through_the_dict_api(make_dict: Maker) -> None:
    src = make_dict(place="src")
    dst = WriteOnceDict(make_dict(place="dst", immutable_items=True))
    src.update({"a": 1, "b": 2})
    persidict.sync(src, dst)
    src["a"] = 10  # a write-once dict ignores later writes
    persidict.sync(src, dst)
    assert dict(dst.items()) == {"a": 1, "b": 2}


def test_expired_items_count_as_absent(make_dict: Maker, monkeypatch: pytest.MonkeyPatch) -> None:
    from persidict import ttl

    src, dst = make_dict(place="src", ttl=60.0), make_dict(place="dst", ttl=60.0)
    src["a"], src["b"] = 1, 2
    dst["b"] = 2
    later = ttl.clock() + 90  # the reader's clock: every item is past its ttl
    monkeypatch.setattr(ttl, "clock", lambda: later)
    report = persidict.sync(src, dst, delete=True)
    assert (report.copied, report.skipped, report.deleted) == ([], [], [])
    monkeypatch.undo()
    dst["b"] = 3
    report = persidict.sync(src, dst)  # both live again: "b" differs, "a" is missing
    assert _strings(report.copied) == [("a",), ("b",)]
    assert dict(dst.items()) == {"a": 1, "b": 2}


@pytest.mark.parametrize("where", ["same", "inside", "outside"])
def test_a_dict_onto_itself_or_its_subdict_is_refused(make_dict: Maker, where: str) -> None:
    d = make_dict()
    d["sub", "x"] = 1
    d["y"] = 2
    sub = d.get_subdict("sub")
    src, dst = {"same": (d, make_dict()), "inside": (d, sub), "outside": (sub, d)}[where]
    with pytest.raises(ValueError, match="src and dst are"):
        persidict.sync(src, dst, delete=True)
    with pytest.raises(ValueError, match="src and dst are"):
        persidict.copy(src, dst)
    assert dict(d.items()) == {("sub", "x"): 1, "y": 2}


def test_bad_arguments_are_type_errors() -> None:
    a, b = LocalDict(), LocalDict()
    with pytest.raises(TypeError, match="src must be a PersiDict"):
        persidict.sync({"a": 1}, b)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dst must be a PersiDict"):
        persidict.copy(a, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="delete must be a bool"):
        persidict.sync(a, b, delete="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dry_run must be a bool"):
        persidict.sync(a, b, dry_run=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="progress must be callable"):
        persidict.sync(a, b, progress=5)  # type: ignore[arg-type]


def test_copy_onto_write_once_accepts_equal_items(make_dict: Maker) -> None:
    src, dst = make_dict(place="src"), make_dict(place="dst", immutable_items=True)
    src.update({"same": 1, "other": 2})
    dst.update({"same": 1, "other": 3})
    with pytest.raises(SyncError) as caught:
        persidict.copy(src, dst)
    assert _strings(caught.value.failed_keys) == [("other",)]
    assert _strings(caught.value.report.copied) == [("same",)]
    assert (dst["same"], dst["other"]) == (1, 3)
