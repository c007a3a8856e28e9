"""Value formats: objects that turn values into bytes and back, registered by file_type."""

from __future__ import annotations

import io
import json
import math
import pickle
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import lz4.frame

from .errors import CorruptValueError

_LZ4_MAGIC = b"\x04\x22\x4d\x18"
# joblib writes large numpy arrays as wrapper objects followed by raw buffers,
# which only its own unpickler understands.
_JOBLIB_ARRAY_MARKER = b"NumpyArrayWrapper"
_FILE_TYPE = re.compile(r"[A-Za-z0-9_-]+")


class Format(ABC):
    """Turns values into bytes and back; one per ``file_type``."""

    file_type: str
    value_type: type = object  # every value stored must be an instance

    @property
    def extension(self) -> str:
        """What the stored names end with, after a dot (the ``file_type`` but for
        formats that share another's files)."""
        return self.file_type

    @abstractmethod
    def dumps(self, value: Any) -> bytes:
        """Encode ``value``; ``TypeError`` if this format cannot hold it."""

    @abstractmethod
    def loads(self, data: bytes) -> Any:
        """Decode bytes; ``CorruptValueError`` if they are not a valid value."""


class PickleFormat(Format):
    """``pkl``: an LZ4 frame holding a pickle, as ``joblib.dump(v, f, compress="lz4")`` writes.

    Plain ``pickle`` does the work (joblib's pure-Python pickler is many times
    slower); files that joblib wrote with its own numpy layout are read by joblib.
    """

    file_type = "pkl"

    def dumps(self, value: Any) -> bytes:
        return lz4.frame.compress(self.pickle_bytes(value), content_checksum=True)

    def pickle_bytes(self, value: Any) -> bytes:
        """The plain pickle, before the LZ4 frame (see compression.py)."""
        return pickle.dumps(value, protocol=5)

    def loads(self, data: bytes) -> Any:
        try:
            raw = lz4.frame.decompress(data) if data[:4] == _LZ4_MAGIC else data
            if _JOBLIB_ARRAY_MARKER in raw:
                import joblib

                return joblib.load(io.BytesIO(data))
            return pickle.loads(raw)
        except Exception as e:
            raise CorruptValueError(f"not a valid pickle file: {e!r}") from e


class JsonFormat(Format):
    """``json``: jsonpickle text (numpy arrays included when numpy is installed).

    ``keys=True`` keeps non-str dict keys (``{1: "a"}`` reads back with the int key).
    """

    file_type = "json"

    def __init__(self) -> None:
        import jsonpickle

        try:
            import jsonpickle.ext.numpy as jsonpickle_numpy

            jsonpickle_numpy.register_handlers()
        except ImportError:  # numpy is optional
            pass
        self._jsonpickle = jsonpickle

    def dumps(self, value: Any) -> bytes:
        return self._jsonpickle.dumps(value, indent=4, keys=True).encode()

    def loads(self, data: bytes) -> Any:
        try:
            # Parse with the stdlib: jsonpickle's own decode falls through to YAML,
            # which reads an empty or truncated file as a value (None, a str...).
            return self._jsonpickle.Unpickler(keys=True).restore(json.loads(data))
        except Exception as e:
            raise CorruptValueError(f"not valid jsonpickle text: {e!r}") from e


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class PlainJsonFormat(Format):
    """``plain_json``: plain JSON, in ``.json`` files as any JSON tool reads them.

    Writes take only JSON's own types: ``dict`` with ``str`` keys, ``list``,
    ``str``, ``int``, finite ``float``, ``bool`` and ``None`` (not tuples, which
    would come back as lists, nor subclasses). Reads parse with the stdlib ``json``
    and nothing else: they never import or call anything, and a jsonpickle tag such
    as ``{"py/object": ...}`` is read as the plain dict it is. It shares its files
    with the ``json`` format: either reads what the other wrote in plain types.

    >>> fmt = format_for("plain_json")
    >>> fmt.loads(fmt.dumps({"retries": 3, "hosts": ["a", "b"]}))
    {'retries': 3, 'hosts': ['a', 'b']}
    """

    file_type = "plain_json"

    @property
    def extension(self) -> str:
        return "json"

    def dumps(self, value: Any) -> bytes:
        _check_plain_json(value)
        try:
            return json.dumps(value, indent=4, ensure_ascii=False, allow_nan=False).encode()
        except RecursionError:
            raise ValueError("plain_json: the value is nested too deeply") from None

    def loads(self, data: bytes) -> Any:
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as e:
            raise CorruptValueError(f"not valid JSON: {e!r}") from e


def _check_plain_json(value: Any) -> None:
    """Raise ``TypeError`` naming where ``value`` holds a non-JSON type (``ValueError``
    for a NaN or infinite float), looking at each part once, without recursion."""
    todo = [(value, "value")]
    while todo:
        item, where = todo.pop()
        kind = type(item)
        if kind in _JSON_SCALARS:
            if kind is float and not math.isfinite(item):
                raise ValueError(f"plain_json: {where} is {item}, which JSON cannot hold")
        elif kind is list:
            todo.extend((x, f"{where}[{i}]") for i, x in enumerate(item))
        elif kind is dict:
            for key, x in item.items():
                if type(key) is not str:
                    raise TypeError(f"plain_json: {where} has the key {key!r}"
                                    f" ({type(key).__name__}); JSON object keys are str")
                todo.append((x, f"{where}[{key!r}]"))
        else:
            raise TypeError(f"plain_json stores only dict (str keys), list, str, int, float,"
                            f" bool and None; {where} is a {kind.__name__}")


class TextFormat(Format):
    """Any other ``file_type``: the value is a ``str``, stored as UTF-8."""

    value_type = str

    def __init__(self, file_type: str) -> None:
        self.file_type = file_type

    def dumps(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(
                f"file_type {self.file_type!r} stores str values, not {type(value).__name__}"
            )
        return value.encode()

    def loads(self, data: bytes) -> Any:
        try:
            return data.decode()
        except UnicodeDecodeError as e:
            raise CorruptValueError(f"not UTF-8 text: {e}") from e


_REGISTERED: dict[str, Callable[[], Format]] = {
    "pkl": PickleFormat, "json": JsonFormat, "plain_json": PlainJsonFormat}
_SHARED: dict[str, Format] = {}  # built on first use (jsonpickle is imported then)


def format_for(file_type: str) -> Format:
    """Return the format registered for ``file_type``: ``"pkl"``, ``"json"``
    (jsonpickle), ``"plain_json"``, or text for any other safe word.

    Raises:
        TypeError: if ``file_type`` is not a str.
        ValueError: if it is empty or has characters other than letters,
            digits, ``_`` and ``-``.
    """
    if not isinstance(file_type, str):
        raise TypeError(f"file_type must be a str, not {type(file_type).__name__}")
    if not _FILE_TYPE.fullmatch(file_type):
        raise ValueError(
            f"file_type {file_type!r} must be a non-empty word of letters, digits, _ and -"
        )
    if file_type not in _SHARED:
        build = _REGISTERED.get(file_type)
        _SHARED[file_type] = build() if build is not None else TextFormat(file_type)
    return _SHARED[file_type]
