"""Shared fixtures: every test that takes `pdict` or `make_dict` runs on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from persidict import FileDirDict, LocalDict, PersiDict

BACKENDS = ["file", "memory"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_dict(backend: str, tmp_path: Any) -> Iterator[Callable[..., PersiDict]]:
    """Build a fresh dict of the current backend; keyword arguments are dict parameters.

    Every call with the same ``place`` opens the same store."""

    def make(place: str = "main", **params: Any) -> PersiDict:
        if backend == "file":
            return FileDirDict(tmp_path / place, **params)
        if backend == "memory":
            stores = memory_stores.setdefault(place, LocalDict().store)
            return LocalDict(store=stores, **params)
        raise AssertionError(backend)

    memory_stores: dict[str, Any] = {}
    yield make


@pytest.fixture(params=["pkl", "json"])
def pdict(make_dict: Callable[..., PersiDict], request: pytest.FixtureRequest) -> PersiDict:
    return make_dict(file_type=request.param)
