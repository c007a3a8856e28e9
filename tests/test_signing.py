"""Signed values (``signing_key=``) on every backend: each value written carries an
HMAC of its name and bytes, and every read path refuses unsigned, tampered and moved
bytes with SignatureError before anything is decoded."""

from __future__ import annotations

import hmac
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from persidict import (
    CorruptValueError,
    OverlappingMultiDict,
    PersiDict,
    SignatureError,
    SigningKeys,
    WriteOnceDict,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


class RunsCommand:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return os.system, (f"touch {self.marker}",)


def raw(d: PersiDict) -> Any:
    """The store under the signing layer: bytes as they lie in the folder or bucket."""
    return d.store.inner  # type: ignore[attr-defined]


def only_name(d: PersiDict) -> str:
    (name,) = list(raw(d).names(d._naming.suffix))
    return name


READS: dict[str, Callable[[PersiDict, Any], Any]] = {
    "getitem": lambda d, k: d[k],
    "get": lambda d, k: d.get(k),
    "get_many": lambda d, k: d.get_many([k]),
    "values": lambda d, k: list(d.values()),
    "items": lambda d, k: list(d.items()),
    "newest_values": lambda d, k: d.newest_values(1),
    "items_and_timestamps": lambda d, k: list(d.items_and_timestamps()),
    "get_with_etag": lambda d, k: d.get_with_etag(k),
    "setdefault": lambda d, k: d.setdefault(k, 0),
    "pop": lambda d, k: d.pop(k),
    "popitem": lambda d, k: d.popitem(),
    "transform": lambda d, k: d.transform(k, lambda v: v),
    "incr": lambda d, k: d.incr(k),
    "holds": lambda d, k: d.holds(k, 5),
    "query": lambda d, k: list(d.query()),
    "filter": lambda d, k: list(d.filter(lambda v: True)),
    "subdict": lambda d, k: d.get_subdict(k[0])[k[1:]],
    "str": lambda d, k: str(d),
}


def test_signed_values_read_back_on_every_path(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY)
    d["a", "b"] = 1
    d.get_subdict("a")["c"] = 2
    assert d["a", "c"] == 2
    assert d.get_many([("a", "b"), ("a", "c")]) == [1, 2]
    assert sorted(d.values()) == [1, 2]
    assert dict(d.items())[("a", "b")] == 1
    value, etag = d.get_with_etag(("a", "b"))
    assert value == 1
    assert d.compare_and_set(("a", "b"), 10, etag)
    assert not d.add(("a", "b"), 3)
    assert d.add("n", 0)
    assert d.incr("n") == 1
    assert d.transform("n", lambda v: v + 1) == 2
    assert d.setdefault("s", "x") == "x"
    assert d.holds("s", "x")
    assert [v for _, v in d.query("a")] == [10, 2]
    assert d.pop("s") == "x"
    assert "s" not in d
    with d.lock("n"):
        d.set_many({"m": 5, ("a", "d"): 6})
    assert d["m"] == 5
    assert d.get_subdict("a")["d"] == 6
    assert sorted(d.get_subdict("a").values()) == [2, 6, 10]


@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_unsigned_value_is_refused_by_every_read(make_dict: Callable[..., PersiDict],
                                                 read: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    plain = make_dict()
    plain["a", "b"] = RunsCommand(marker)  # written without a key: its pickle runs a command
    signed = make_dict(signing_key=KEY)
    with pytest.raises(SignatureError, match="not signed"):
        READS[read](signed, ("a", "b"))
    assert not marker.exists()  # refused before unpickling
    assert ("a", "b") in signed  # nothing was deleted
    with pytest.raises(SignatureError):
        signed.get_subdict("a")["b"]
    plain["a", "b"]  # the control: the payload is live when unpickled
    assert marker.exists()


@pytest.mark.plain_dict  # reads the dict's own store and names
@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_tampered_value_is_refused_by_every_read(make_dict: Callable[..., PersiDict],
                                                 read: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    d = make_dict(signing_key=KEY)
    d["a", "b"] = 5
    name = only_name(d)
    signed = raw(d).read(name)
    evil = d._format.dumps(RunsCommand(marker))
    raw(d).write(name, signed[:37] + evil)  # a valid signature of other bytes
    with pytest.raises(SignatureError, match="bad signature"):
        READS[read](d, ("a", "b"))
    assert not marker.exists()
    assert ("a", "b") in d
    raw(d).write(name, signed[:-1] + bytes([signed[-1] ^ 1]))  # one bit flipped
    with pytest.raises(SignatureError, match="bad signature"):
        READS[read](d, ("a", "b"))


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_value_moved_to_another_key_is_refused(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY)
    d["admin"] = False
    d["sub", "admin"] = True
    d["sub", "x"] = False
    store, sub = raw(d), d.get_subdict("sub")
    granted = store.read(d._name_of(("sub", "admin")))
    store.write(d._name_of("admin"), granted)  # copied to another folder
    raw(sub).write(sub._name_of("x"), granted)  # copied within a subdict
    with pytest.raises(SignatureError, match="bad signature"):
        d["admin"]
    with pytest.raises(SignatureError, match="bad signature"):
        sub["x"]
    with pytest.raises(SignatureError, match="bad signature"):
        d["sub", "x"]
    assert sub["admin"] is True
    assert d["sub", "admin"] is True


def test_rotation_first_key_signs_all_verify(make_dict: Callable[..., PersiDict]) -> None:
    old = make_dict(signing_key=OTHER_KEY)
    old["k"] = "old"
    rotated = make_dict(signing_key=[KEY, OTHER_KEY])
    assert rotated["k"] == "old"
    rotated["k2"] = "new"
    assert make_dict(signing_key=KEY)["k2"] == "new"
    with pytest.raises(SignatureError):
        old["k2"]
    with pytest.raises(SignatureError):
        make_dict(signing_key=KEY)["k"]


def test_unsigned_dict_reading_signed_bytes_fails_cleanly(
        make_dict: Callable[..., PersiDict]) -> None:
    make_dict(signing_key=KEY)["k"] = 1
    with pytest.raises(CorruptValueError):
        make_dict()["k"]


def test_signed_with_ttl_and_write_once(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY, item_ttl=True, immutable_items=True)
    d.set("k", 1, ttl=3600)
    assert d["k"] == 1
    assert d.expires_at("k") is not None
    assert len(d) == 1
    once = WriteOnceDict(d, p_consistency_checks=1)
    once["k"] = 1
    assert once.consistency_checks_passed == 1
    with pytest.raises(KeyError):
        d["k"] = 2


@pytest.mark.parametrize(("bad", "error", "match"), [
    (b"", ValueError, "signing_key is empty"),
    ("secret", TypeError, "signing_key must be bytes, not str"),
    (123, TypeError, "signing_key must be bytes, not int"),
    ([], ValueError, "signing_key is an empty list"),
    ([KEY, "x"], TypeError, r"signing_key\[1\] must be bytes"),
    ([KEY, b""], ValueError, r"signing_key\[1\] is empty"),
])
def test_bad_signing_key_is_refused_and_writes_nothing(
        make_dict: Callable[..., PersiDict], bad: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make_dict("bad", signing_key=bad)
    assert len(make_dict("bad")) == 0


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_key_is_kept_out_of_repr_but_params_round_trip(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=[KEY, OTHER_KEY])
    d["k"] = 1
    text = repr(d)
    assert "signing_key=SigningKeys(<2 hidden>)" in text
    assert repr(KEY)[2:-1] not in text
    assert "kkkk" not in text
    assert "oooo" not in text
    params = d.get_params()
    assert isinstance(params["signing_key"], SigningKeys)
    twin = type(d)(**params)
    assert twin == d
    assert twin["k"] == 1
    assert make_dict(signing_key=KEY).get_params()["signing_key"] != params["signing_key"]
    assert make_dict().get_params()["signing_key"] is None


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_pickled_dict_carries_its_key(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY)
    if type(d).__name__ == "LocalDict" or d.base_url.startswith("zip:"):
        pytest.skip("an in-memory dict, or a zip archive's one writer, cannot be pickled")
    d["k"] = 1
    twin = pickle.loads(pickle.dumps(d))
    assert twin["k"] == 1
    assert twin.get_params()["signing_key"] == SigningKeys(KEY)


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_stored_bytes_are_the_documented_frame(make_dict: Callable[..., PersiDict]) -> None:
    """Checked without the package's signing code: MAGIC, then HMAC-SHA256 over the key's
    name from the root without digest suffixes, NUL and the payload, then the payload."""
    d = make_dict(signing_key=KEY, file_type="plain_json")
    d.get_subdict("cfg")["v1.2"] = {"on": True}
    payload = d._format.dumps({"on": True})
    stored = raw(d).read(d._name_of(("cfg", "v1.2")))
    mac = hmac.digest(KEY, b"cfg/v1.2.json\0" + payload, "sha256")
    assert stored == b"\xfePDS1" + mac + payload


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_overlapping_dicts_share_the_signing_key(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY)
    shared = {k: v for k, v in d.get_params().items() if k != "file_type"}
    m = OverlappingMultiDict(type(d), shared_subdicts_params=shared, plain_json={}, txt={})
    m.plain_json["a"] = {"x": 1}
    m.txt["b"] = "hi"
    assert make_dict(file_type="plain_json", signing_key=KEY)["a"] == {"x": 1}
    assert make_dict(file_type="txt", signing_key=KEY)["b"] == "hi"
    with pytest.raises(CorruptValueError):  # an unsigned dict meets the signed frame
        make_dict(file_type="txt")["b"]


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_subdict_reopened_from_its_params_verifies_the_same_items(
        make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict(signing_key=KEY)
    if d.base_url.startswith("zip:"):
        pytest.skip("a zip archive has one writer: a second handle cannot open it")
    d["a", "b"] = 1
    sub = d.get_subdict("a")
    params = sub.get_params()
    assert repr(params["signing_key"]).startswith("SigningKeys(<1 hidden>, prefix=")
    twin = type(sub)(**params)
    assert twin["b"] == 1
    twin["c"] = 2
    assert d["a", "c"] == 2
    if type(d).__name__ != "LocalDict":
        assert pickle.loads(pickle.dumps(sub))["b"] == 1
    moved = type(sub)(**{**params, "signing_key": KEY})  # the folder as a root of its own
    with pytest.raises(SignatureError, match="bad signature"):
        moved["b"]


@pytest.mark.plain_dict  # reads the dict's own store and names
def test_overlapping_dicts_made_without_a_store_share_one(
        make_dict: Callable[..., PersiDict]) -> None:
    if type(make_dict()) is PersiDict:
        pytest.skip("a plain PersiDict is always given its store")
    shared = make_dict(signing_key=KEY).get_params()
    shared.pop("file_type")
    shared.pop("store", None)  # a LocalDict's: the first dict's store is then shared
    m = OverlappingMultiDict(type(make_dict()), shared, plain_json={}, txt={})
    m.plain_json["a"] = {"n": 1}
    m.txt["a"] = "notes"
    twin = OverlappingMultiDict(**m.get_params())
    assert (twin.plain_json["a"], twin.txt["a"]) == ({"n": 1}, "notes")


def test_ttl_reads_refuse_unsigned_values(make_dict: Callable[..., PersiDict],
                                          tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    make_dict(item_ttl=True).set("k", RunsCommand(marker), ttl=3600)
    d = make_dict(signing_key=KEY, ttl=3600, item_ttl=True)
    for read in (lambda: d["k"], lambda: d.expires_at("k"), lambda: list(d.values()),
                 lambda: d.get_with_etag("k"), lambda: list(d.query())):
        with pytest.raises(SignatureError, match="not signed"):
            read()
    assert not marker.exists()
