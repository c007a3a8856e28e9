"""The URL schemes of the one-file stores: ``sqlite:///abs/file.db`` and
``zip:///abs/archive.zip`` (their name prefix and mode in the query)."""

from __future__ import annotations

import os

from ..sqlite_dict import SqliteDict
from ..zip_dict import ZipDict
from .urls import _SHARED_PARAMS, Scheme, _file_path, _text, located_by, must_be, register

register(Scheme("sqlite", SqliteDict,
                lambda location, params: SqliteDict(_file_path(location), **params),
                located_by("path"), {**_SHARED_PARAMS, "root_prefix": _text}, ("path",), {},
                must_be(os.path.isfile, "file")))
register(Scheme("zip", ZipDict,
                lambda location, params: ZipDict(_file_path(location), **params),
                located_by("path"), {**_SHARED_PARAMS, "root_prefix": _text, "mode": _text},
                ("path",), {}, must_be(os.path.isfile, "file")))
