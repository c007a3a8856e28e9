"""logged(d): one logging record per operation, with the operation, key and duration."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable

import pytest

from persidict import LoggedDict, PersiDict, logged

NAME = "persidict.test_logged"


@pytest.fixture
def ld(make_dict: Callable[..., PersiDict], caplog: pytest.LogCaptureFixture) -> LoggedDict:
    caplog.set_level(logging.DEBUG, logger=NAME)
    return logged(make_dict(), logging.getLogger(NAME))


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    found = [r for r in caplog.records if r.name == NAME]
    caplog.clear()
    return found


def test_one_record_per_operation_with_key_and_duration(
        ld: LoggedDict, caplog: pytest.LogCaptureFixture) -> None:
    for op, action in [("set", lambda: ld.__setitem__(("a", "b"), 1)),
                       ("get", lambda: ld["a", "b"]),
                       ("contains", lambda: ("a", "b") in ld),
                       ("incr", lambda: ld.incr("n")),
                       ("add", lambda: ld.add("x", 1)),
                       ("pop", lambda: ld.pop("x")),
                       ("timestamp", lambda: ld.timestamp("n")),
                       ("delete", lambda: ld.__delitem__("n"))]:
        action()
        [record] = records(caplog)
        assert record.persidict_op == op  # type: ignore[attr-defined]
        assert record.levelno == logging.DEBUG
        assert 0 <= record.persidict_seconds < 10  # type: ignore[attr-defined]
        assert " ms" in record.getMessage()
        assert ld.base_url in record.getMessage()
    ld["k"] = 1
    records(caplog)
    assert ld.get("k") == 1
    [record] = records(caplog)
    assert record.persidict_key == "k"  # type: ignore[attr-defined]
    assert "get ('k',)" in record.getMessage()


def test_iterations_and_bulk_operations_are_one_record_each(
        ld: LoggedDict, caplog: pytest.LogCaptureFixture) -> None:
    ld.update({"a": 1, ("b", "c"): 2, ("b", "d"): 3})
    assert [r.persidict_op for r in records(caplog)] == ["update"]  # type: ignore[attr-defined]
    assert sorted(ld.values()) == [1, 2, 3]
    size_hint, record = records(caplog)  # sorted() asks len() first, as of any mapping
    assert size_hint.persidict_op == "len"  # type: ignore[attr-defined]
    assert record.persidict_op == "values"
    assert "(3 items)" in record.getMessage()
    assert len(list(ld.items())) == 3
    assert len(ld) == 3
    assert list(ld.query_keys("b")) == [("b", "c"), ("b", "d")]
    ops = [r.persidict_op for r in records(caplog)]  # type: ignore[attr-defined]
    assert ops == ["len", "items", "len", "query_keys"]


def test_a_failed_operation_is_logged_and_raised(ld: LoggedDict,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(KeyError):
        ld["missing"]
    [record] = records(caplog)
    assert "failed with KeyError" in record.getMessage()
    assert "KeyError" in record.persidict_error  # type: ignore[attr-defined]


def test_nothing_is_logged_below_the_level(make_dict: Callable[..., PersiDict],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=NAME)
    d = logged(make_dict(), NAME)  # DEBUG records: not enabled
    d["a"] = 1
    assert d["a"] == 1
    assert list(d) == ["a"]
    assert records(caplog) == []
    loud = logged(d.inner, NAME, logging.WARNING)
    loud["a"] = 2
    assert [r.levelno for r in records(caplog)] == [logging.WARNING]


def test_round_trips_pickles_and_wraps_subdicts(ld: LoggedDict, backend: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    if backend == "zip":
        pytest.skip("a zip archive's one writer cannot be pickled (test_zip_store.py)")
    twin = type(ld)(**ld.get_params())
    assert twin == ld
    assert twin.logger is ld.logger
    assert twin.level == ld.level
    if backend not in ("memory", "s3_mock"):
        assert pickle.loads(pickle.dumps(ld)) == ld
    sub = ld.get_subdict("g")
    assert isinstance(sub, LoggedDict)
    records(caplog)
    sub["k"] = 1
    assert [r.persidict_op for r in records(caplog)] == ["set"]  # type: ignore[attr-defined]


def test_bad_arguments_are_refused(make_dict: Callable[..., PersiDict]) -> None:
    with pytest.raises(TypeError, match="PersiDict"):
        logged({})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="logger"):
        logged(make_dict(), 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="level"):
        logged(make_dict(), None, "DEBUG")  # type: ignore[arg-type]
