"""compress=: values stored in a codec's frame, told apart on read, kept by get_params."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import lz4.frame
import pytest

from persidict import CorruptValueError, FileDirDict, LocalDict, PersiDict
from persidict.compression import COMPRESS_CHOICES
from persidict.formats import format_for

MAGIC = {"lz4": b"\x04\x22\x4d\x18", "gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
VALUES = {"pkl": {"rows": list(range(500)), "name": "x" * 300}, "json": {"a": [1] * 400},
          "txt": "line\n" * 300}


def raw(d: PersiDict, key: Any) -> bytes:
    return d.store.read(d._naming.name(key))


@pytest.mark.plain_dict  # reads the stored bytes
@pytest.mark.parametrize("file_type", list(VALUES))
@pytest.mark.parametrize("compress", COMPRESS_CHOICES)
def test_every_codec_round_trips_and_frames_its_bytes(
        make_dict: Callable[..., PersiDict], file_type: str, compress: str) -> None:
    d = make_dict(file_type=file_type, compress=compress)
    value = VALUES[file_type]
    d["k"] = value
    d.set_many({("g", "m"): value})
    assert d["k"] == value
    assert dict(d.items()) == {"k": value, ("g", "m"): value}
    stored = raw(d, "k")
    plain = pickle.dumps(value, protocol=5) if file_type == "pkl" \
        else format_for(file_type).dumps(value)
    if compress == "none":
        assert stored == plain
    else:
        assert stored.startswith(MAGIC[compress])
        assert len(stored) < len(plain)
    assert d.holds("k", value)
    if file_type != "txt":
        assert d.incr("n") == 1
    assert d.compress == compress
    assert d.get_params()["compress"] == compress


@pytest.mark.plain_dict  # reads the stored bytes
def test_the_default_writes_what_the_earlier_release_wrote(
        make_dict: Callable[..., PersiDict]) -> None:
    for file_type, value in VALUES.items():
        d = make_dict(file_type, file_type=file_type)
        d["k"] = value
        assert raw(d, "k") == format_for(file_type).dumps(value)
        assert "compress" not in d.get_params()  # the earlier releases' parameters
        assert d.compress is None
    lz4_pkl = make_dict("lz4", compress="lz4")
    lz4_pkl["k"] = VALUES["pkl"]
    assert raw(lz4_pkl, "k") == lz4.frame.compress(pickle.dumps(VALUES["pkl"], protocol=5),
                                                   content_checksum=True)


@pytest.mark.parametrize("compress", COMPRESS_CHOICES)
def test_values_written_with_any_codec_or_none_read_back(
        make_dict: Callable[..., PersiDict], compress: str) -> None:
    for file_type, value in VALUES.items():
        place = f"{file_type}-{compress}"
        for writer in (None, "none", "lz4", "gzip", "zstd"):
            make_dict(place, file_type=file_type, compress=writer)[writer or "default"] = value
        reader = make_dict(place, file_type=file_type, compress=compress)
        assert len(reader) == 5
        assert all(v == value for v in reader.values())


def test_text_that_starts_like_an_lz4_frame_still_reads(
        make_dict: Callable[..., PersiDict]) -> None:
    tricky = '\x04"M\x18 is not a frame'
    make_dict(file_type="txt")["k"] = tricky  # written uncompressed, before
    assert make_dict(file_type="txt", compress="lz4")["k"] == tricky


@pytest.mark.plain_dict  # writes the stored bytes
@pytest.mark.parametrize("compress", ["lz4", "gzip", "zstd"])
def test_a_corrupt_frame_is_refused(make_dict: Callable[..., PersiDict], compress: str) -> None:
    d = make_dict(compress=compress)
    d["k"] = VALUES["pkl"]
    good = raw(d, "k")
    d.store.write(d._naming.name("k"), good[:-3] + b"\x00\x00\x00")
    with pytest.raises(CorruptValueError):
        d["k"]


@pytest.mark.parametrize(("compress", "error"), [
    ("zip", ValueError), ("", ValueError), ("LZ4", ValueError), (1, TypeError),
    (True, TypeError)])
def test_bad_compress_is_refused_naming_the_choices(tmp_path: Any, compress: Any,
                                                    error: type[Exception]) -> None:
    with pytest.raises(error, match="compress") as info:
        FileDirDict(tmp_path / "d", compress=compress)
    if error is ValueError:
        assert "'zstd'" in str(info.value)
    assert not (tmp_path / "d").exists()  # nothing made
    with pytest.raises(error, match="compress"):
        LocalDict(compress=compress)


def test_the_choice_is_kept_by_get_params_pickling_and_subdicts(tmp_path: Any) -> None:
    d = FileDirDict(tmp_path / "d", compress="zstd")
    twin = type(d)(**d.get_params())
    assert twin == d
    assert twin.compress == "zstd"
    again = pickle.loads(pickle.dumps(d))
    assert again.compress == "zstd"
    again["a", "b"] = "v"
    assert d.get_subdict("a").compress == "zstd"
    assert raw(d, ("a", "b")).startswith(MAGIC["zstd"])
    with pytest.raises(CorruptValueError):  # without compress=, a codec's frame is foreign
        FileDirDict(tmp_path / "d")["a", "b"]
