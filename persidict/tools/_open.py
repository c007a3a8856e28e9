"""TEMPORARY stand-in for persidict.open until branch h-urls lands (deleted then)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..file_dir_dict import FileDirDict
from ..local_dict import LocalDict
from ..persi_dict import PersiDict
from ..s3_dict import S3Dict
from ..stores import MemoryStore

_memory: dict[str, MemoryStore] = {}


def _typed(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def open_url(url: str, **params: Any) -> PersiDict[Any]:
    parts = urlsplit(url)
    params = {**{k: _typed(v) for k, v in parse_qsl(parts.query)}, **params}
    if parts.scheme in ("", "file"):
        return FileDirDict(parts.path if parts.scheme else url.split("?")[0], **params)
    if parts.scheme == "s3":
        params.setdefault("base_dir", None)
        return S3Dict(parts.netloc, root_prefix=parts.path.lstrip("/"), **params)
    if parts.scheme == "memory":
        return LocalDict(store=_memory.setdefault(parts.netloc, MemoryStore()), **params)
    raise ValueError(f"unknown scheme {parts.scheme!r} in {url!r}; known: file, s3, memory")


def check_exists(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        path = parts.path if parts.scheme else url.split("?")[0]
        if not os.path.isdir(path):
            raise FileNotFoundError(f"folder {path} does not exist")
    elif parts.scheme == "s3":
        from ..stores._s3_client import make_s3_client
        params = dict(parse_qsl(parts.query))
        client = make_s3_client(params.get("region"), params.get("endpoint_url"))
        try:
            client.head_bucket(Bucket=parts.netloc)
        except Exception as e:
            raise FileNotFoundError(f"bucket {parts.netloc} does not exist ({e})") from None
