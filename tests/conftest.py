"""Shared fixtures: every test that takes `pdict` or `make_dict` runs on every backend."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import moto  # noqa: F401 - before any boto3 session exists, so mock_aws sees its requests
import pytest
from s3_server import MotoServer

from persidict import (
    FileDirDict,
    LocalDict,
    PersiDict,
    S3Dict,
    SqliteDict,
    cached,
    logged,
    mirror,
)
from persidict.stores import CachingStore, FileStore, ZipStore
from persidict.stores._s3_probe import require_conditional_requests

# The wrappers run the shared suite too, each over folders: "cached" = cached(folder),
# "mirror" = mirror(folder, another folder), "logged" = logged(folder). A test that
# inspects a dict's own parameters or internals is marked ``plain_dict`` and runs on
# the other backends only.
WRAPPED_BACKENDS = ["cached", "mirror", "logged"]
PLAIN_BACKENDS = ["file", "memory", "sqlite", "zip", "s3_mock", "s3_http", "tiered"]
BACKENDS = [*PLAIN_BACKENDS, *WRAPPED_BACKENDS]
S3_BACKENDS = ["s3_mock", "s3_http"]

# S3 tests never reach AWS: fake credentials, and the in-process mock answers at an
# endpoint where nothing listens, so a mock dict sent to another process fails fast.
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_SESSION_TOKEN="testing", AWS_DEFAULT_REGION="us-east-1",
                  MOTO_S3_CUSTOM_ENDPOINTS="http://127.0.0.1:9")
os.environ.pop("AWS_PROFILE", None)
S3_MOCK_ENDPOINT = "http://127.0.0.1:9"
_buckets = itertools.count()


def new_bucket_name() -> str:
    """A bucket no other test uses."""
    return f"persidict-test-{os.getpid()}-{next(_buckets)}"


@pytest.fixture(scope="session")
def s3_mock_session() -> Iterator[None]:
    """moto's in-process S3, for the whole session (tests use separate buckets)."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoServer]:
    """moto's threaded S3 server on 127.0.0.1, with fault injection (tests/s3_server.py)."""
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(s3_server: MotoServer) -> str:
    return s3_server.url


@pytest.fixture(scope="session")
def s3_serial_server() -> Iterator[MotoServer]:
    """moto's S3 served one request at a time, for multi-process races: moto's
    threaded server checks If-Match / If-None-Match without a lock."""
    server = MotoServer(serial=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_serial_endpoint(s3_serial_server: MotoServer) -> str:
    return s3_serial_server.url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of S3-only behaviour (marked ``s3_only``, e.g. by a module's
    ``pytestmark``) take ``backend`` and the fixtures built on it on S3 only: a
    parametrize mark, added before pytest reads the marks, overrides the fixture."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("s3_only"):
        metafunc.definition.add_marker(pytest.mark.parametrize("backend", S3_BACKENDS))
    elif "backend" in metafunc.fixturenames \
            and metafunc.definition.get_closest_marker("plain_dict"):
        metafunc.definition.add_marker(pytest.mark.parametrize("backend", PLAIN_BACKENDS))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "plain_dict: the test inspects a dict's own parameters"
                            " or internals, so its fixtures run on the unwrapped backends")


@pytest.fixture
def make_dict(backend: str, tmp_path: Any,
              request: pytest.FixtureRequest) -> Callable[..., PersiDict]:
    """Build a fresh dict of the current backend; keyword arguments are dict parameters.

    Every call with the same ``place`` opens the same store. S3 dicts of one test
    share a bucket of their own; "s3_mock" runs without a local cache,
    "s3_http" with one, so both S3 read paths run the whole suite; "tiered" is
    a folder read through a cache folder, the general CachingStore."""
    return _dict_maker(backend, tmp_path, request, "s3_endpoint")


@pytest.fixture
def make_ordered_dict(backend: str, tmp_path: Any,
                      request: pytest.FixtureRequest) -> Callable[..., PersiDict]:
    """As ``make_dict``, but S3 over HTTP is the endpoint that serves one request at
    a time, as S3 orders conditional writes: for tests of atomicity (moto's
    threaded server checks conditions without a lock). "s3_mock" still runs the
    code path, but in-process moto has no lock either: the S3 evidence is "s3_http"."""
    return _dict_maker(backend, tmp_path, request, "s3_serial_endpoint")


def _dict_maker(backend: str, tmp_path: Any, request: pytest.FixtureRequest,
                http_endpoint: str) -> Callable[..., PersiDict]:
    if backend == "s3_mock":
        request.getfixturevalue("s3_mock_session")
        endpoint, cache = S3_MOCK_ENDPOINT, None
    elif backend == "s3_http":
        endpoint, cache = request.getfixturevalue(http_endpoint), tmp_path / "s3-cache"
    bucket = new_bucket_name()

    def make(place: str = "main", **params: Any) -> PersiDict:
        if backend == "file":
            return FileDirDict(tmp_path / place, **params)
        if backend == "sqlite":
            return SqliteDict(tmp_path / f"{place}.db", **params)
        if backend == "zip":
            if place not in zip_stores:
                zip_stores[place] = ZipStore(tmp_path / f"{place}.zip", mode="a")
            return PersiDict(zip_stores[place], **params)
        if backend == "memory":
            stores = memory_stores.setdefault(place, LocalDict().store)
            return LocalDict(store=stores, **params)
        if backend == "tiered":  # a folder read through another folder (CachingStore)
            tiers = (FileStore(tmp_path / place, create=False),
                     FileStore(tmp_path / f"{place}-cache", create=False))
            immutable = params.get("immutable_items") is True
            return PersiDict(CachingStore(*tiers, immutable=immutable), **params)
        if backend == "cached":
            return cached(FileDirDict(tmp_path / place, **params))
        if backend == "mirror":
            return mirror(FileDirDict(tmp_path / place, **params),
                          FileDirDict(tmp_path / f"{place}-replica", **params))
        if backend == "logged":
            return logged(FileDirDict(tmp_path / place, **params), "persidict.tests")
        if backend in ("s3_mock", "s3_http"):
            d = S3Dict(bucket, root_prefix=place, base_dir=cache, endpoint_url=endpoint,
                       **params)
            probe_conditions(d)
            return d
        raise AssertionError(backend)

    memory_stores: dict[str, Any] = {}
    zip_stores: dict[str, ZipStore] = {}
    request.addfinalizer(lambda: _close_zips(zip_stores))
    return make


def probe_conditions(d: S3Dict) -> None:
    """Probe the endpoint of ``d`` for conditional requests now (once per endpoint and
    process, see persidict/stores/_s3_probe.py), not inside a test's request count."""
    require_conditional_requests(d.s3_store, "probe", "")


def _close_zips(stores: dict[str, ZipStore]) -> None:
    for store in stores.values():
        seen = {name: store.read(name) for name in store.names()}
        store.close()
        with ZipStore(store.path) as reopened:
            assert {name: reopened.read(name) for name in reopened.names()} == seen


@pytest.fixture(params=[False, True], ids=["no-cache", "cache"])
def make_s3dict(make_dict: Callable[..., PersiDict], request: pytest.FixtureRequest,
                tmp_path: Any) -> Callable[..., S3Dict]:
    """For ``s3_only`` tests: build an S3Dict of the current S3 backend, once without
    and once with a local cache, whatever the backend's default."""
    def make(**params: Any) -> S3Dict:
        d = make_dict(**params)
        cache = tmp_path / "cache" if request.param else None
        return S3Dict(**{**d.get_params(), "base_dir": cache})

    return make


@pytest.fixture(params=["pkl", "json"])
def pdict(make_dict: Callable[..., PersiDict], request: pytest.FixtureRequest) -> PersiDict:
    return make_dict(file_type=request.param)
