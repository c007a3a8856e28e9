"""S3Store's listings: ListObjectsV2 pages (``S3Store._pages``) turned into names,
infos, folder groups and one folder's entries. Names with ``#`` are the package's own
and are skipped, except index entries (``#index/``), which listings report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._base import INDEX_DIR, ItemInfo, in_index

if TYPE_CHECKING:
    from .s3_store import S3Store


def listed(store: S3Store, pages: Iterable[dict[str, Any]]) -> Iterator[ItemInfo]:
    """The infos of every object in ``pages``, named relative to the store's prefix."""
    cut = len(store.prefix)
    for page in pages:
        for obj in page.get("Contents", ()):
            # Whole seconds, as HEAD and GET report them (HTTP dates).
            yield ItemInfo(obj["Key"][cut:], float(int(obj["LastModified"].timestamp())),
                           obj["ETag"].strip('"'), int(obj["Size"]))


def infos(store: S3Store, suffix: str) -> Iterator[ItemInfo]:
    for info in listed(store, store._pages("ListObjectsV2")):
        name = info.name
        if ("#" not in name or in_index(name)) and name.endswith(suffix):
            yield info


def names_by_folder(store: S3Store, suffix: str) -> Iterator[tuple[str, list[str]]]:
    # Group within each page, so the first keys come after one LIST however
    # many objects one folder holds.
    cut = len(store.prefix)
    for page in store._pages("ListObjectsV2"):
        folder, leaves = "", []  # type: tuple[str, list[str]]
        for obj in page.get("Contents", ()):
            name = obj["Key"][cut:]
            if ("#" in name and not in_index(name)) or not name.endswith(suffix):
                continue
            parent, _, leaf = name.rpartition("/")
            if parent != folder and leaves:
                yield folder, leaves
                leaves = []
            folder = parent
            leaves.append(leaf)
        if leaves:
            yield folder, leaves


def folder_entries(store: S3Store, folder: str, starts_with: str,
                   after: str) -> Iterator[tuple[list[str], bool]]:
    base = folder + "/" if folder else ""
    params: dict[str, Any] = {"Delimiter": "/"}
    if after:
        params["StartAfter"] = store.prefix + base + after
    cut = len(store.prefix + base)
    for page in store._pages("ListObjectsV2 Delimiter", base + starts_with, **params):
        found = [obj["Key"][cut:] for obj in page.get("Contents", ())]
        found += [common["Prefix"][cut:] for common in page.get("CommonPrefixes", ())]
        found = [entry for entry in found if "#" not in entry]
        found.sort()  # a page holds the next names and folders in byte order
        yield found, bool(page.get("IsTruncated"))


def folder_infos(store: S3Store, folder: str, leaves: list[str],
                 index: bool) -> Iterator[ItemInfo]:
    base = folder + "/" if folder else ""
    if index:
        yield from listed(store, store._pages("ListObjectsV2", base + INDEX_DIR + "/"))
    if not leaves:
        return
    wanted, first, last = set(leaves), base + leaves[0], base + leaves[-1]
    # Just before the first leaf: one less in its last character, then DEL, which
    # sorts above every key character.
    after = store.prefix + first[:-1] + chr(ord(first[-1]) - 1) + "\x7f"
    for page in store._pages("ListObjectsV2 Delimiter", base, Delimiter="/", StartAfter=after):
        for info in listed(store, [page]):
            if info.name[len(base):] in wanted:
                yield info
        keys = page.get("Contents", ())
        if not page.get("IsTruncated") or (keys and keys[-1]["Key"] >= store.prefix + last):
            return


def dirs(store: S3Store) -> Iterator[str]:
    cut = len(store.prefix)
    for page in store._pages("ListObjectsV2 Delimiter", Delimiter="/"):
        for common in page.get("CommonPrefixes", ()):
            dir_name = common["Prefix"][cut:-1]
            if dir_name and "#" not in dir_name:
                yield dir_name
