"""The URL schemes of the one-file stores: ``sqlite:///abs/file.db`` and
``zip:///abs/archive.zip`` (their name prefix and mode in the query)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from ..persi_dict import PersiDict
from ..sqlite_dict import SqliteDict
from ..zip_dict import ZipDict
from .urls import _SHARED_PARAMS, Scheme, _file_path, _text, register


def _locate_path(d: PersiDict[Any]) -> tuple[str, dict[str, Any]]:
    params = d.get_params()
    return quote(params.pop("path")), params


def _check_file(location: str, params: dict[str, Any]) -> None:
    path = _file_path(location)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no file {path!r}")


register(Scheme("sqlite", SqliteDict,
                lambda location, params: SqliteDict(_file_path(location), **params),
                _locate_path, {**_SHARED_PARAMS, "root_prefix": _text}, ("path",), {},
                _check_file))
register(Scheme("zip", ZipDict,
                lambda location, params: ZipDict(_file_path(location), **params),
                _locate_path, {**_SHARED_PARAMS, "root_prefix": _text, "mode": _text},
                ("path",), {}, _check_file))
