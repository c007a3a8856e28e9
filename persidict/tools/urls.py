"""Dicts by URL: ``persidict.open(url, **params)`` and ``d.url``.

A URL names the store and carries the dict's parameters in its query string
(``s3://bucket/prefix?file_type=json&ttl=3600``); ``open`` reads it back to an
equal dict. Each scheme is one :class:`Scheme` entry of :data:`SCHEMES`: how
its location becomes constructor arguments and back, and which parameters its
query may carry, each with the parser that types it (ints, floats, bools). The
dict constructors then validate the values as they validate any argument.
"""

from __future__ import annotations

import inspect
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ..errors import StoreError
from ..file_dir_dict import FileDirDict
from ..local_dict import LocalDict
from ..persi_dict import PersiDict
from ..s3_dict import S3Dict
from ..stores import MemoryStore

Parser = Callable[[str], Any]


def _text(value: str) -> str:
    return value


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an int") from None


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _bool(value: str) -> bool:
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    try:
        return words[value.lower()]
    except KeyError:
        raise ValueError(f"{value!r} is not a bool (true/false)") from None


def _or_none(parse: Parser) -> Parser:
    """``parse``, with ``none`` (any case) meaning ``None``."""
    def parse_or_none(value: str) -> Any:
        return None if value.lower() == "none" else parse(value)

    return parse_or_none


_SHARED_PARAMS: dict[str, Parser] = {
    "file_type": _text, "immutable_items": _bool, "digest_len": _int,
    "ttl": _or_none(_float), "item_ttl": _bool, "history": _bool}


@dataclass(frozen=True)
class Scheme:
    """How one kind of dict is written as a URL.

    ``open(location, params)`` builds the dict from the URL's location (what
    follows ``scheme://``, query removed, still percent-encoded) and its
    parameters; ``locate(d)`` gives ``(location, params)`` back, the params being
    the constructor arguments the location does not carry. ``query`` lists the
    parameters a query string may carry, with their parsers; ``defaults`` are
    the values ``open`` uses where the constructor's own differ; ``check_exists``
    raises ``FileNotFoundError`` if the store is missing (for read-only use)."""

    name: str
    dict_type: type[PersiDict[Any]]
    open: Callable[[str, dict[str, Any]], PersiDict[Any]]
    locate: Callable[[PersiDict[Any]], tuple[str, dict[str, Any]]]
    query: dict[str, Parser]
    location_params: tuple[str, ...]
    defaults: dict[str, Any]
    check_exists: Callable[[str, dict[str, Any]], None]

    def keywords(self) -> list[str]:
        """Every parameter ``open`` takes as a keyword for this scheme."""
        signature = inspect.signature(self.dict_type.__init__)
        return [p for p in signature.parameters
                if p != "self" and p not in self.location_params]

    def constructor_defaults(self) -> dict[str, Any]:
        signature = inspect.signature(self.dict_type.__init__)
        found = {name: p.default for name, p in signature.parameters.items()
                 if p.default is not inspect.Parameter.empty}
        return {**found, **self.defaults}


SCHEMES: dict[str, Scheme] = {}
"""The schemes ``open`` knows, by name: a new store is one :func:`register` call."""


def register(scheme: Scheme) -> None:
    """Make ``open`` know ``scheme`` (replacing one of the same name)."""
    SCHEMES[scheme.name] = scheme


# --- file:///abs/path and plain paths

def _file_path(location: str) -> str:
    host, slash, path = location.partition("/")
    if host not in ("", "localhost") or not slash:
        raise ValueError(f"a file URL takes an absolute path, file:///abs/path, not"
                         f" file://{location}")
    return "/" + unquote(path)


def _open_file(location: str, params: dict[str, Any]) -> PersiDict[Any]:
    return FileDirDict(_file_path(location), **params)


def located_by(param: str) -> Callable[[PersiDict[Any]], tuple[str, dict[str, Any]]]:
    """A scheme's ``locate``: the dict's path parameter ``param`` is the location,
    its other parameters the query."""
    def locate(d: PersiDict[Any]) -> tuple[str, dict[str, Any]]:
        params = d.get_params()
        return quote(params.pop(param)), params

    return locate


def must_be(exists: Callable[[str], bool], what: str) -> Callable[[str, dict[str, Any]], None]:
    """A scheme's ``check``: ``FileNotFoundError`` unless ``exists(path)``."""
    def check(location: str, params: dict[str, Any]) -> None:
        path = _file_path(location)
        if not exists(path):
            raise FileNotFoundError(f"no {what} {path!r}")

    return check


register(Scheme("file", FileDirDict, _open_file, located_by("base_dir"),
                {**_SHARED_PARAMS, "durable": _bool}, ("base_dir",), {},
                must_be(os.path.isdir, "folder")))


# --- s3://bucket/prefix

def _bucket_and_prefix(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.partition("/")
    bucket = unquote(bucket)
    if not bucket:
        raise ValueError("an s3 URL names a bucket: s3://bucket/prefix")
    return bucket, unquote(prefix)


def _open_s3(location: str, params: dict[str, Any]) -> PersiDict[Any]:
    bucket, prefix = _bucket_and_prefix(location)
    return S3Dict(bucket, root_prefix=prefix, **params)


def _locate_s3(d: PersiDict[Any]) -> tuple[str, dict[str, Any]]:
    params = d.get_params()
    if params.get("client") is not None:
        raise ValueError("an S3Dict built with an injected client has no URL: the client"
                         " cannot be written in one (build it with region/endpoint_url)")
    bucket, prefix = params.pop("bucket_name"), params.pop("root_prefix")
    return quote(bucket, safe="") + "/" + quote(prefix), params


def _check_bucket(location: str, params: dict[str, Any]) -> None:
    from ..stores._s3_client import make_s3_client

    bucket, _ = _bucket_and_prefix(location)
    client = params.get("client") or make_s3_client(
        params.get("region"), params.get("endpoint_url"), max_workers=1,
        max_attempts=params.get("max_attempts", 5))
    try:
        client.head_bucket(Bucket=bucket)
    except client.exceptions.ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise FileNotFoundError(f"no bucket {bucket!r}") from None
        raise StoreError(f"S3 HeadBucket of bucket {bucket!r} failed ({code})") from e


register(Scheme("s3", S3Dict, _open_s3, _locate_s3,
                {**_SHARED_PARAMS, "region": _or_none(_text), "endpoint_url": _or_none(_text),
                 "base_dir": _or_none(_text), "max_workers": _int, "retry_mode": _text,
                 "max_attempts": _int, "lock_lease": _float},
                ("bucket_name", "root_prefix"),
                # a dict opened by URL keeps no local cache unless asked (base_dir=...)
                {"base_dir": None}, _check_bucket))


# --- memory://name/prefix: stores shared within the process by name

_LOOKS_LIKE_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_MEMORY_NAME = re.compile(r"[A-Za-z0-9_.~-]+")
_memory_stores: dict[str, MemoryStore] = {}
_memory_names: dict[str, str] = {}  # MemoryStore.url of a named root -> its name
_memory_guard = threading.Lock()


def memory_store(name: str) -> MemoryStore:
    """The process's in-memory store called ``name`` (made on first use)."""
    if not _MEMORY_NAME.fullmatch(name):
        raise ValueError(f"a memory store name is letters, digits and _.~-, not {name!r}")
    with _memory_guard:
        if name not in _memory_stores:
            store = MemoryStore()
            _memory_stores[name] = store
            _memory_names[store.url] = name
        return _memory_stores[name]


def _open_memory(location: str, params: dict[str, Any]) -> PersiDict[Any]:
    name, _, prefix = location.partition("/")
    store = memory_store(unquote(name))
    if prefix:
        store = store.substore(unquote(prefix).rstrip("/"))
    return LocalDict(store=store, **params)


def _locate_memory(d: PersiDict[Any]) -> tuple[str, dict[str, Any]]:
    params = d.get_params()
    store = params.pop("store")
    # MemoryStore.url is memory://<memory id>/<prefix>: the root is the id's store
    root_id, _, prefix = store.url.removeprefix("memory://").partition("/")
    with _memory_guard:
        name = _memory_names.get(f"memory://{root_id}/")
        if name is None:  # a LocalDict made directly: named by its memory's id
            name = root_id
            _memory_stores[name] = store.root()
            _memory_names[f"memory://{root_id}/"] = name
    return quote(name) + "/" + quote(prefix), params


def _check_memory(location: str, params: dict[str, Any]) -> None:
    name = unquote(location.partition("/")[0])
    if name not in _memory_stores:
        raise FileNotFoundError(f"no memory store {name!r} in this process")


register(Scheme("memory", LocalDict, _open_memory, _locate_memory, dict(_SHARED_PARAMS),
                ("store",), {}, _check_memory))


# --- open and url

def _split(url: str | os.PathLike[str]) -> tuple[Scheme, str, dict[str, str]]:
    if not isinstance(url, (str, os.PathLike)):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    url = os.fspath(url)
    if not url:
        raise ValueError("url must not be empty")
    if "://" not in url:  # a plain path
        if _LOOKS_LIKE_SCHEME.match(url):
            raise ValueError(f"malformed URL {url!r}: a URL is scheme://...; for a folder"
                             f" of that name write ./{url}")
        return SCHEMES["file"], quote(os.path.abspath(url)), {}
    parts = urlsplit(url)
    scheme = SCHEMES.get(parts.scheme.lower())
    if scheme is None or url[:len(parts.scheme) + 3].lower() != parts.scheme.lower() + "://":
        raise ValueError(f"unknown URL scheme {url.split('://', 1)[0]!r} in {url!r}; known:"
                         f" {', '.join(s + '://' for s in sorted(SCHEMES))}, or a plain path")
    if parts.fragment:
        raise ValueError(f"a persidict URL has no #fragment: {url!r}")
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if key in query:
            raise ValueError(f"parameter {key!r} given twice in {url!r}")
        query[key] = value
    return scheme, parts.netloc + parts.path, query


def _typed(scheme: Scheme, query: dict[str, str], url: str) -> dict[str, Any]:
    params = {}
    for key, text in query.items():
        parse = scheme.query.get(key)
        if parse is None:
            raise ValueError(f"unknown parameter {key!r} in {url!r}; a {scheme.name}:// URL"
                             f" takes {', '.join(sorted(scheme.query))}")
        try:
            params[key] = parse(text)
        except ValueError as e:
            raise ValueError(f"parameter {key!r} in {url!r}: {e}") from None
    return params


def open_url(url: str | os.PathLike[str], *, must_exist: bool = False,
             **params: Any) -> PersiDict[Any]:
    """Open the dict that ``url`` names: ``file:///abs/path`` or a plain path
    (FileDirDict), ``s3://bucket/prefix`` (S3Dict; no local cache unless
    ``base_dir`` is given), ``memory://name`` (a LocalDict whose items every dict
    of that name in this process shares). Query parameters and keywords are the
    dict's constructor parameters (keywords win); ``d.url`` gives a URL this
    reads back to a dict equal to ``d``. With ``must_exist``, a missing folder
    or bucket is an error instead of being created (for read-only use).

    >>> d = open_url("memory://notes?file_type=json")
    >>> d["x"] = 1
    >>> open_url(d.url)["x"], d.url
    (1, 'memory://notes/?file_type=json')

    Raises:
        ValueError: for a malformed URL, an unknown scheme or parameter (the
            message lists the known ones), or a value of the wrong type.
        FileNotFoundError: with ``must_exist``, if the folder or bucket is missing.
    """
    scheme, location, query = _split(url)
    given = _typed(scheme, query, os.fspath(url))
    known = scheme.keywords()
    for key in params:
        if key not in known:
            raise ValueError(f"unknown parameter {key!r} for a {scheme.name}:// dict; known:"
                             f" {', '.join(known)}")
    given = {**scheme.defaults, **given, **params}
    if must_exist:
        scheme.check_exists(location, given)
    return scheme.open(location, given)


def url_of(d: PersiDict[Any]) -> str:
    """The URL that :func:`open_url` reads back to a dict equal to ``d``.

    Raises:
        ValueError: if ``d`` is of a kind no scheme writes, or has a parameter no
            URL can hold (``base_class_for_values``, an injected S3 client).
    """
    scheme = next((s for s in SCHEMES.values() if type(d) is s.dict_type), None)
    if scheme is None:
        raise ValueError(f"a {type(d).__name__} has no URL; URLs name"
                         f" {', '.join(s.dict_type.__name__ for s in SCHEMES.values())}")
    location, params = scheme.locate(d)
    defaults = scheme.constructor_defaults()
    shown = {}
    for key, value in params.items():
        if key in defaults and _same(defaults[key], value):
            continue
        if key not in scheme.query:
            raise ValueError(f"parameter {key}={value!r} cannot be written in a URL; pass"
                             " it to persidict.open() as a keyword")
        shown[key] = _written(value)
    query = urlencode(shown, quote_via=quote, safe="/:")
    return f"{scheme.name}://{location}" + (f"?{query}" if query else "")


def _same(default: Any, value: Any) -> bool:
    return (type(default) is type(value) and default == value) or default is value is None


def _written(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
