"""FileStore's listings: ``scandir`` walks of the tree (depth first, huge folders in
chunks), one folder's entries for queries, and the cleanup of abandoned temp files
that listings do on the way. Names with ``#`` are the package's own and are skipped,
except index folders (``#index``), whose entries a folder's listing reports first."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._base import INDEX_DIR, ItemInfo
from ._file_ops import info_of

if TYPE_CHECKING:
    from .file_store import FileStore

_LISTING_CHUNK = 4096
TEMP_SUFFIX = ".tmp"  # the end of a temp file's name (FileStore writes them)


def names_by_folder(store: FileStore, suffix: str) -> Iterator[tuple[str, list[str]]]:
    # Depth first with a stack, each folder closed before its subfolders are
    # opened; a huge folder comes in chunks, so memory stays bounded.
    stack = [(store.root, "")]
    while stack:
        path, folder = stack.pop()
        try:
            entries = os.scandir(path)
        except FileNotFoundError:
            continue
        leaves: list[str] = []
        keep = leaves.append
        subfolders = []
        index_listed = False
        with entries:
            for entry in entries:
                name = entry.name
                if "#" in name:
                    if name == INDEX_DIR:
                        index_listed = True
                        yield from _index_group(entry.path, folder, suffix)
                    else:
                        _clean_if_abandoned(store, entry)
                elif entry.is_dir():
                    subfolders.append((entry.path, f"{folder}/{name}" if folder else name))
                elif name.endswith(suffix):
                    keep(name)
                    if len(leaves) >= _LISTING_CHUNK:
                        if not index_listed:  # the index goes before the first chunk
                            index_listed = True
                            yield from _index_group(f"{path}/{INDEX_DIR}", folder, suffix)
                        yield folder, leaves
                        leaves = []
                        keep = leaves.append
        if leaves:
            yield folder, leaves
        stack += reversed(subfolders)


def _index_group(path: str, folder: str, suffix: str) -> Iterator[tuple[str, list[str]]]:
    try:
        with os.scandir(path) as entries:
            leaves = [e.name for e in entries if "#" not in e.name and e.name.endswith(suffix)]
    except (FileNotFoundError, NotADirectoryError):
        return
    if leaves:
        yield (f"{folder}/{INDEX_DIR}" if folder else INDEX_DIR), leaves


def mtimes_by_folder(store: FileStore,
                 suffix: str) -> Iterator[tuple[str, list[str], list[float]]]:
    for folder, leaves in names_by_folder(store, suffix):
        base = f"{store.root}/{folder}/" if folder else store.root + "/"
        kept, mtimes = [], []
        for leaf in leaves:
            try:
                mtime_ns = os.stat(base + leaf).st_mtime_ns
            except FileNotFoundError:  # deleted since it was listed
                continue
            kept.append(leaf)
            mtimes.append(mtime_ns / 1e9)
        if kept:
            yield folder, kept, mtimes


def infos(store: FileStore, suffix: str) -> Iterator[ItemInfo]:
    root = store.root + "/"
    for name in store.names(suffix):
        try:
            st = os.stat(root + name)
        except FileNotFoundError:  # deleted since it was listed
            continue
        yield info_of(name, st)


def folder_entries(store: FileStore, folder: str, starts_with: str,
               after: str) -> Iterator[tuple[list[str], bool]]:
    found = []
    try:
        with os.scandir(store._path(folder) if folder else store.root) as entries:
            for entry in entries:
                name = entry.name
                if "#" in name or not name.startswith(starts_with):
                    continue
                if entry.is_dir():
                    name += "/"
                if name > after:
                    found.append(name)
    except (FileNotFoundError, NotADirectoryError):
        pass
    found.sort()
    yield found, False


def folder_infos(store: FileStore, folder: str, leaves: list[str],
             index: bool) -> Iterator[ItemInfo]:
    base = folder + "/" if folder else ""
    if index:
        for _, names in _index_group(store.root + "/" + base + INDEX_DIR, folder, ""):
            for leaf in names:
                info = store._stat_or_none(f"{base}{INDEX_DIR}/{leaf}")
                if info is not None:
                    yield info
    yield from store._infos_of(base, leaves)


def dirs(store: FileStore) -> Iterator[str]:
    try:
        entries = os.scandir(store.root)
    except FileNotFoundError:
        return
    with entries:
        for entry in entries:
            if "#" not in entry.name and entry.is_dir():
                yield entry.name


def _clean_if_abandoned(store: FileStore, entry: os.DirEntry[str]) -> None:
    if not entry.name.endswith(TEMP_SUFFIX):
        return
    try:
        if time.time() - entry.stat().st_mtime > store.TEMP_MAX_AGE:
            os.unlink(entry.path)
    except OSError:  # gone already, or a reader without write permission:
        pass  # housekeeping never fails a read
