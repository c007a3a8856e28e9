"""Sort-key queries on every backend, against a reference model: sorted Python tuples."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persidict import PersiDict, S3Dict, WriteOnceDict
from persidict.stores import FileStore, MemoryStore

_places = itertools.count()

# Few characters, so that parts are often prefixes of each other, and the ones where
# byte order of names and tuple order of keys part ways: "(" "-" "." sort below "/",
# "0" and "A" below the "_" of digest suffixes, and "pkl"/"json" make file types.
PARTS = st.text(alphabet="a-.(0Apkljson_~", min_size=1, max_size=4).filter(
    lambda s: s not in (".", ".."))
KEYS = st.lists(PARTS, min_size=1, max_size=3).map(tuple)
SORT_KEYS = st.one_of(st.none(), PARTS, st.lists(PARTS, min_size=1, max_size=3).map(tuple))


def model(keys: list[tuple[str, ...]], prefix: tuple[str, ...], start: Any = None,
          stop: Any = None, starts_with: str | None = None, reverse: bool = False,
          limit: int | None = None) -> list[tuple[str, ...]]:
    """What a query must give: the sort keys under ``prefix``, sorted as tuples."""
    n = len(prefix)
    lo = (start,) if isinstance(start, str) else start
    hi = (stop,) if isinstance(stop, str) else stop
    sort_keys = sorted(k[n:] for k in set(keys) if len(k) > n and k[:n] == prefix)
    kept = [s for s in sort_keys if (lo is None or s >= lo) and (hi is None or s < hi)
            and (starts_with is None or s[0].startswith(starts_with))]
    if reverse:
        kept.reverse()
    return [prefix + s for s in kept[:limit]]


def fresh(make_dict: Callable[..., PersiDict], page_size: int = 1000, **params: Any) -> PersiDict:
    d = make_dict(place=f"q{next(_places)}", **params)
    if isinstance(d, S3Dict):  # small LIST pages: every query crosses several
        d.s3_store.list_page_size = page_size
    return d


def fill(d: PersiDict, keys: list[tuple[str, ...]]) -> None:
    d.set_many({k: "/".join(k) for k in keys})


def draw_query(data: st.DataObject, keys: list[Any]) -> tuple[Any, dict[str, Any]]:
    """A partition of ``keys`` and query options, drawn."""
    prefixes = sorted({k[:i] for k in keys for i in range(len(k))})
    prefix = data.draw(st.sampled_from(prefixes), label="prefix")
    options = {"start": data.draw(SORT_KEYS, label="start"),
               "stop": data.draw(SORT_KEYS, label="stop"),
               "starts_with": data.draw(st.one_of(st.none(), PARTS), label="starts_with"),
               "reverse": data.draw(st.booleans(), label="reverse"),
               "limit": data.draw(st.one_of(st.none(), st.integers(1, 4)), label="limit")}
    return prefix, options


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(keys=st.lists(KEYS, min_size=1, max_size=14), data=st.data(),
       file_type=st.sampled_from(["pkl", "json"]), page_size=st.sampled_from([1, 2, 3, 1000]))
def test_queries_follow_the_model(make_dict: Callable[..., PersiDict], keys: list[Any],
                                  data: st.DataObject, file_type: str, page_size: int) -> None:
    d = fresh(make_dict, page_size, file_type=file_type)
    fill(d, keys)
    for _ in range(3):
        prefix, options = draw_query(data, keys)
        expected = model(keys, prefix, **options)
        assert [k.strings for k in d.query_keys(prefix, **options)] == expected, options
        assert [(k.strings, v) for k, v in d.query(prefix, **options)] \
            == [(k, "/".join(k)) for k in expected]


def test_key_order_is_tuple_order(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict, page_size=1)
    keys = [("a",), ("a", "b"), ("a", "c"), ("b",), ("a-b",), ("a.x",), ("a.pkl",),
            ("a", "b", "c"), ("a0",), ("A",), ("a(",)]
    fill(d, [("p", *k) for k in keys] + [("q", "a"), ("p0",), ("o", "z")])
    assert [k[1:] for k in d.query_keys("p")] == sorted(keys)
    assert list(d.query_keys()) == sorted(d.keys())
    assert [k[1:] for k in d.query_keys("p", reverse=True)] == sorted(keys, reverse=True)


def test_bounds_and_limit(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict, page_size=2)
    days = [f"2024-{m:02d}-{day:02d}" for m in (5, 6, 7) for day in (1, 2, 15, 30)]
    fill(d, [("log", day) for day in days] + [("log", "2024-06", "note")])
    june = ["2024-06", "2024-06-01", "2024-06-02", "2024-06-15", "2024-06-30"]
    assert [k[1] for k in d.query_keys("log", starts_with="2024-06")] == june
    assert [k[1] for k in d.query_keys("log", start="2024-06", stop="2024-06-15")] \
        == june[:3]
    assert [k[1] for k in d.query_keys("log", start=("2024-06", "z"), limit=2)] \
        == ["2024-06-01", "2024-06-02"]
    assert [k[1] for k in d.query_keys("log", stop="2024-06", reverse=True, limit=2)] \
        == ["2024-05-30", "2024-05-15"]
    assert list(d.query_keys("log", start="2024-07", stop="2024-06")) == []
    assert list(d.query_keys("nothing-here")) == []


def test_starts_with_gives_only_keys_that_start_with_it(make_dict: Callable[..., PersiDict],
                                                        ) -> None:
    # A bug of the stores people come from: every key >= the prefix came back.
    d = fresh(make_dict, page_size=2)
    fill(d, [("log", day) for day in ("2024-05-31", "2024-06-01", "2024-06-30", "2024-07-01",
                                      "2025-01-01")])
    assert list(d.query_keys("log", starts_with="2024-06")) \
        == [("log", "2024-06-01"), ("log", "2024-06-30")]
    assert list(d.query_keys("log", starts_with="2024-06", reverse=True)) \
        == [("log", "2024-06-30"), ("log", "2024-06-01")]
    assert list(d.query_keys("log", starts_with="2024-08")) == []


def test_reverse_without_bounds_gives_everything(make_dict: Callable[..., PersiDict]) -> None:
    # A bug of the stores people come from: a reverse query with no bounds gave nothing.
    d = fresh(make_dict, page_size=2)
    keys = [("log", str(i)) for i in range(7)] + [("log", "3", "x")]
    fill(d, keys)
    assert list(d.query_keys("log", reverse=True)) == sorted(keys, reverse=True)
    assert list(d.query_keys("log", reverse=True, limit=2)) == [("log", "6"), ("log", "5")]
    assert [k for k, _ in d.query("log", reverse=True)] == sorted(keys, reverse=True)


def test_where_filters_before_limit(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict)
    d.set_many({("n", f"{i:02d}"): i for i in range(10)})
    assert list(d.query("n", where=lambda v: v % 3 == 0, limit=3)) \
        == [(("n", "00"), 0), (("n", "03"), 3), (("n", "06"), 6)]
    assert list(d.query("n", where=lambda v: v > 7, reverse=True)) \
        == [(("n", "09"), 9), (("n", "08"), 8)]


def test_filter_and_first(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict)
    d.set_many({"b": 2, "a": 1, ("c", "x"): 30, "d": 4})
    assert list(d.filter(lambda v: v % 2 == 0)) == [2, 30, 4]
    assert d.first(lambda v: v > 2) == 30
    assert d.first(lambda v: v > 100) is None


def test_queries_of_a_subdict_and_a_wrapper(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict, immutable_items=True)
    fill(d, [("u", "b"), ("u", "a"), ("u", "a", "x"), ("v", "a")])
    sub = d.get_subdict("u")
    assert [k.strings for k in sub.query_keys()] == [("a",), ("a", "x"), ("b",)]
    assert list(d.query_keys("u")) == [("u", *k) for k in sub.query_keys()]
    wrapped = WriteOnceDict(d)
    assert list(wrapped.query_keys("u", limit=1)) == [("u", "a")]
    assert wrapped.first(lambda v: v.startswith("v")) == "v/a"


def test_a_query_lists_when_first_pulled(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict)
    fill(d, [("p", "a"), ("p", "b"), ("p", "c")])
    items = d.query("p")
    del d["p", "b"]
    d["p", "d"] = "p/d"
    assert list(items) == [(("p", "a"), "p/a"), (("p", "c"), "p/c"), (("p", "d"), "p/d")]


BAD_ARGUMENTS = [
    ({"limit": 0}, ValueError, "limit"),
    ({"limit": -3}, ValueError, "limit"),
    ({"limit": 2.0}, TypeError, "limit"),
    ({"limit": True}, TypeError, "limit"),
    ({"limit": "3"}, TypeError, "limit"),
    ({"start": "a/b"}, ValueError, "start"),
    ({"start": ""}, ValueError, "start"),
    ({"start": 3}, TypeError, "start"),
    ({"stop": ("a", "..")}, ValueError, "stop"),
    ({"stop": ()}, ValueError, "stop"),
    ({"starts_with": ""}, ValueError, "starts_with"),
    ({"starts_with": "a/b"}, ValueError, "starts_with"),
    ({"starts_with": "a b"}, ValueError, "starts_with"),
    ({"starts_with": ("a",)}, TypeError, "starts_with"),
    ({"reverse": "yes"}, TypeError, "reverse"),
]


@pytest.mark.parametrize(("options", "error", "named"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused_at_the_call(make_dict: Callable[..., PersiDict],
                                               options: dict[str, Any], error: type,
                                               named: str) -> None:
    d = fresh(make_dict)
    d["p", "a"] = 1
    with pytest.raises(error, match=named):
        d.query_keys("p", **options)
    with pytest.raises(error, match=named):
        d.query("p", **options)


def test_bad_prefix_predicates_and_where(make_dict: Callable[..., PersiDict]) -> None:
    d = fresh(make_dict)
    with pytest.raises(ValueError, match="prefix"):
        d.query_keys("a/b")
    with pytest.raises(TypeError, match="prefix"):
        d.query_keys(5)
    with pytest.raises(TypeError, match="where"):
        d.query(where=3)
    with pytest.raises(TypeError, match="pred"):
        d.filter(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pred"):
        d.first("v > 3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="where"):  # keys only: no value to test
        d.query_keys(where=bool)  # type: ignore[call-arg]
    assert len(d) == 0


class CountingFileStore(FileStore):
    """A FileStore that notes each folder a query lists."""

    def __init__(self, root: Any) -> None:
        super().__init__(root)
        self.listed: list[str] = []

    def folder_entries(self, folder: str = "", **options: Any) -> Any:
        self.listed.append(folder)
        return super().folder_entries(folder, **options)


def test_a_folder_query_lists_only_the_folders_it_needs(tmp_path: Any) -> None:
    store = CountingFileStore(tmp_path)
    d = PersiDict(store)
    d.set_many({("p", f"{i:02d}"): i for i in range(20)})
    d.set_many({("p", "05", "x"): 1, ("p", "05", "y"): 2, ("p", "12", "z"): 3})
    d.set_many({("q", str(i), "z"): i for i in range(5)})
    assert list(d.query_keys("p", limit=3)) == [("p", "00"), ("p", "01"), ("p", "02")]
    assert [f.split("_")[0] for f in store.listed] == ["p"]
    store.listed.clear()
    assert list(d.query_keys("p", start="05", limit=3)) \
        == [("p", "05"), ("p", "05", "x"), ("p", "05", "y")]
    assert [f.split("_")[0] for f in store.listed] == ["p", "p"]
    assert store.listed[1].startswith(store.listed[0] + "/05_")


class PagedMemoryStore(MemoryStore):
    """A MemoryStore listing a folder in pages of ``page`` entries, as S3 does, to run
    the query's look-ups with digest suffixes too (no paged backend has them)."""

    page = 2

    def folder_entries(self, folder: str = "", **options: Any) -> Any:
        [(entries, _)] = super().folder_entries(folder, **options)
        pages = [entries[i:i + self.page] for i in range(0, len(entries), self.page)] or [[]]
        for i, chunk in enumerate(pages):
            yield chunk, i + 1 < len(pages)

    def substore(self, dir_name: str) -> PagedMemoryStore:
        return PagedMemoryStore(_memory=self._memory, _prefix=self._prefix + dir_name + "/")


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(KEYS, min_size=1, max_size=14), data=st.data(),
       digest_len=st.sampled_from([0, 1, 4]), page=st.sampled_from([1, 2, 3]))
def test_queries_follow_the_model_on_paged_listings_with_digests(
        keys: list[Any], data: st.DataObject, digest_len: int, page: int) -> None:
    store = PagedMemoryStore()
    store.page = page
    d = PersiDict(store, digest_len=digest_len)
    fill(d, keys)
    for _ in range(3):
        prefix, options = draw_query(data, keys)
        assert [k.strings for k in d.query_keys(prefix, **options)] \
            == model(keys, prefix, **options), options
