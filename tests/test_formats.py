"""The format layer: value <-> bytes per file_type, checked against the seed tools."""

from __future__ import annotations

import io
import pickle

import joblib
import jsonpickle
import lz4.frame
import numpy as np
import pytest

from persidict import CorruptValueError
from persidict.formats import format_for

VALUES = [0, -1, 2**80, 2.5, "text", "ünïcode", b"\x00\xffbytes", None, True,
          [1, [2, 3]], {"a": {"b": [None]}}, (1, "two"), {1, 2}, frozenset({"x"})]


@pytest.mark.parametrize("file_type", ["pkl", "json"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_round_trip(file_type: str, value: object) -> None:
    fmt = format_for(file_type)
    data = fmt.dumps(value)
    assert isinstance(data, bytes)
    back = fmt.loads(data)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_numpy_round_trip(file_type: str) -> None:
    fmt = format_for(file_type)
    for arr in (np.arange(5), np.linspace(0, 1, 7).reshape(7, 1), np.zeros((300, 300))):
        back = fmt.loads(fmt.dumps(arr))
        np.testing.assert_array_equal(back, arr)
        assert back.dtype == arr.dtype


def test_pkl_is_an_lz4_frame_holding_a_pickle() -> None:
    data = format_for("pkl").dumps({"a": 1})
    assert pickle.loads(lz4.frame.decompress(data)) == {"a": 1}
    assert joblib.load(io.BytesIO(data)) == {"a": 1}


def test_pkl_reads_what_joblib_writes() -> None:
    for value in ({"a": [1, 2]}, np.arange(100_000), [np.ones(3), "x"]):
        buf = io.BytesIO()
        joblib.dump(value, buf, compress="lz4")
        back = format_for("pkl").loads(buf.getvalue())
        if isinstance(value, dict):
            assert back == value
        elif isinstance(value, list):
            np.testing.assert_array_equal(back[0], value[0])
            assert back[1] == "x"
        else:
            np.testing.assert_array_equal(back, value)


def test_json_is_jsonpickle_text() -> None:
    data = format_for("json").dumps({"a": (1, 2)})
    assert jsonpickle.decode(data.decode(), keys=True) == {"a": (1, 2)}
    assert format_for("json").loads(jsonpickle.encode({"s": {3}}, keys=True).encode()) == {"s": {3}}


@pytest.mark.parametrize("file_type", ["txt", "md", "csv", "Text_2-x"])
def test_text_formats_store_str_as_utf8(file_type: str) -> None:
    fmt = format_for(file_type)
    assert fmt.dumps("ünï\nline") == "ünï\nline".encode()
    assert fmt.loads("ünï\nline".encode()) == "ünï\nline"
    assert fmt.loads(b"") == ""


@pytest.mark.parametrize("value", [1, b"bytes", None, ["a"], 2.5])
def test_text_formats_refuse_non_str(value: object) -> None:
    with pytest.raises(TypeError, match="str"):
        format_for("txt").dumps(value)


@pytest.mark.parametrize("bad", ["", "a.b", "a/b", "p k l", "../x", "ü"])
def test_file_type_must_be_a_word(bad: str) -> None:
    with pytest.raises(ValueError, match="file_type"):
        format_for(bad)


@pytest.mark.parametrize("bad", [None, 1, b"pkl", ["pkl"]])
def test_file_type_must_be_a_str(bad: object) -> None:
    with pytest.raises(TypeError, match="file_type"):
        format_for(bad)  # type: ignore[arg-type]


def test_same_file_type_same_format_object() -> None:
    assert format_for("pkl") is format_for("pkl")
    assert format_for("txt").file_type == "txt"


@pytest.mark.parametrize(("file_type", "data"), [
    ("pkl", b""),
    ("pkl", b"not a pickle"),
    ("pkl", b"\x04\x22\x4d\x18garbage"),
    ("json", b""),
    ("json", b"{not json"),
    ("json", b"key: value"),  # YAML, which jsonpickle's own decode would accept
    ("json", b"\xff\xfe"),
    ("txt", b"\xff\xfe\xfa"),
])
def test_corrupt_bytes_raise_corrupt_value_error(file_type: str, data: bytes) -> None:
    with pytest.raises(CorruptValueError):
        format_for(file_type).loads(data)
    assert issubclass(CorruptValueError, ValueError)


@pytest.mark.parametrize("file_type", ["pkl", "json"])
def test_every_truncation_raises(file_type: str) -> None:
    fmt = format_for(file_type)
    data = fmt.dumps({"key": list(range(50)), "text": "x" * 100})
    for cut in range(len(data)):
        with pytest.raises(CorruptValueError):
            fmt.loads(data[:cut])
