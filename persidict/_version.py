"""The package version, from the installed distribution's metadata."""

from __future__ import annotations

from importlib import metadata


def _read_version(distribution: str = "persidict") -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "0+unknown"  # a valid PEP 440 version that sorts before every release


__version__ = _read_version()
