"""Compression of stored values: the ``compress=`` choice of a dict, in the format layer.

A compressed value is the format's bytes inside a self-describing frame (each
codec's frame starts with its own magic number), so a reader tells which codec
wrote a value, and a value written without compression (by an earlier release,
or with ``compress="none"``) still reads. ``compress=None``, the default, keeps
each format's own bytes: ``pkl`` is an LZ4 frame (what the earlier releases
write, byte for byte, as ``compress="lz4"`` does too), ``json`` and text are
stored as they are; a dict with ``compress=None`` reads only those, so open a
store written with a codec with some ``compress`` value (any reads every codec). Every codec
frame carries a checksum of the content, so a corrupt value is refused.

- ``"lz4"``: fast, modest ratio (the ``pkl`` default; ``lz4`` is a core dependency).
- ``"gzip"``: the stdlib's zlib in a gzip frame (level 6): smaller, slower to write.
- ``"zstd"``: Zstandard (level 3) from the ``zstandard`` package (the ``zstd``
  extra): about gzip's ratio at several times its speed.
- ``"none"``: no frame (``pkl``: a plain pickle).
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from typing import Any

import lz4.frame

from .errors import CorruptValueError
from .formats import Format, PickleFormat

COMPRESS_CHOICES = ("none", "lz4", "gzip", "zstd")


class Codec(ABC):
    """Bytes in, framed bytes out; ``magic`` starts every frame it writes."""

    name: str
    magic: bytes

    @abstractmethod
    def compress(self, data: bytes) -> bytes: ...

    @abstractmethod
    def decompress(self, data: bytes) -> bytes: ...


class Lz4Codec(Codec):
    name, magic = "lz4", b"\x04\x22\x4d\x18"

    def compress(self, data: bytes) -> bytes:
        return lz4.frame.compress(data, content_checksum=True)

    def decompress(self, data: bytes) -> bytes:
        return lz4.frame.decompress(data)  # type: ignore[no-any-return]


class GzipCodec(Codec):
    name, magic = "gzip", b"\x1f\x8b"

    def compress(self, data: bytes) -> bytes:
        packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip frame, mtime 0
        return packer.compress(data) + packer.flush()

    def decompress(self, data: bytes) -> bytes:
        return zlib.decompress(data, 47)  # 47: a gzip or zlib frame, checked


class ZstdCodec(Codec):
    name, magic = "zstd", b"\x28\xb5\x2f\xfd"

    def __init__(self) -> None:
        try:
            import zstandard
        except ImportError:
            raise ImportError("compress='zstd' needs the zstandard package:"
                              " pip install 'persidict[zstd]'") from None
        self._packer = zstandard.ZstdCompressor(level=3, write_checksum=True)
        self._unpacker = zstandard.ZstdDecompressor()

    def compress(self, data: bytes) -> bytes:
        return self._packer.compress(data)  # type: ignore[no-any-return]

    def decompress(self, data: bytes) -> bytes:
        return self._unpacker.decompress(data)  # type: ignore[no-any-return]


_CODECS: dict[str, Codec] = {}
_CODEC_CLASSES: dict[str, type[Lz4Codec | GzipCodec | ZstdCodec]] = {
    "lz4": Lz4Codec, "gzip": GzipCodec, "zstd": ZstdCodec}


def codec_for(name: str) -> Codec:
    """The codec called ``name`` (made once)."""
    if name not in _CODECS:
        _CODECS[name] = _CODEC_CLASSES[name]()
    return _CODECS[name]


def check_compress(compress: Any) -> str | None:
    """``compress`` if it names a codec (or is None).

    Raises:
        TypeError: if it is not a str or None.
        ValueError: if it is not one of :data:`COMPRESS_CHOICES`.
    """
    if compress is None:
        return None
    if not isinstance(compress, str):
        raise TypeError(f"compress must be a str or None, not {type(compress).__name__}")
    if compress not in COMPRESS_CHOICES:
        raise ValueError(f"compress must be one of {', '.join(map(repr, COMPRESS_CHOICES))}"
                         f" or None, not {compress!r}")
    return compress


class CompressedFormat(Format):
    """``inner``'s bytes in ``codec``'s frame (``codec`` None: as they are); reads a
    value in any codec's frame, or in none."""

    def __init__(self, inner: Format, codec: Codec | None) -> None:
        self._inner = inner
        self._codec = codec
        self.file_type = inner.file_type
        self.value_type = inner.value_type

    @property
    def extension(self) -> str:
        return self._inner.extension

    def dumps(self, value: Any) -> bytes:
        data = self._raw_dumps(value)
        return data if self._codec is None else self._codec.compress(data)

    def _raw_dumps(self, value: Any) -> bytes:
        if isinstance(self._inner, PickleFormat):
            return self._inner.pickle_bytes(value)
        return self._inner.dumps(value)

    def loads(self, data: bytes) -> Any:
        codec = _framed_by(data)
        if codec is not None:
            try:
                data = codec.decompress(data)
            except Exception as e:
                # Text may start as an LZ4 frame does (its magic is ASCII): then it is
                # a value written without compression. No text starts as the others do.
                if codec.name != "lz4" or isinstance(self._inner, PickleFormat):
                    raise CorruptValueError(f"not a valid {codec.name} frame: {e!r}") from e
        return self._inner.loads(data)


def _framed_by(data: bytes) -> Codec | None:
    """The codec whose magic ``data`` starts with, if any."""
    for name, magic in _MAGIC.items():
        if data.startswith(magic):
            return codec_for(name)
    return None


_MAGIC = {"zstd": ZstdCodec.magic, "gzip": GzipCodec.magic, "lz4": Lz4Codec.magic}


def compressed_format(inner: Format, compress: str | None) -> Format:
    """The format of a dict of ``inner``'s file_type with ``compress`` (checked)."""
    if compress is None:
        return inner
    return CompressedFormat(inner, None if compress == "none" else codec_for(compress))
