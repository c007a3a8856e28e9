"""copy and sync between any two dicts.

The contract: every item is copied whole or not at all (each write is one
atomic store write), so an interrupted call leaves each destination item either
as it was or as the source's. ``sync`` copies only what differs (size, then
content MD5: S3 listings carry it for single-part uploads, other stores' bytes
are hashed where they are); it deletes, with ``delete=True``, only after a copy
pass without errors, and each delete is conditional on the version it listed.
A failed item is reported by key, the others still go, and the call raises
:class:`SyncError` at the end.

Between plain dicts of the same ``file_type`` the bytes move as they are, name to
name at the store level (no decode/encode); otherwise (other formats, per-item
expiry in the source, wrappers or features this module does not know) values go
through the dicts' own reads and writes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..file_dir_dict import FileDirDict
from ..local_dict import LocalDict
from ..persi_dict import PersiDict
from ..s3_dict import S3Dict
from ..safe_str_tuple import SafeStrTuple
from ..sqlite_dict import SqliteDict
from ..stores import ItemInfo, S3Store, Store
from ..stores.caching_store import CachingStore
from ..zip_dict import ZipDict
from ._reading import chunks, content_md5s, read_each, values_equal, values_of
from .reports import CopyReport, SyncError, SyncReport

Progress = Callable[[int, "int | None"], object]
_DELETERS = 16  # conditional deletes in flight at a time
# Parameters whose meaning byte copies keep; a dict with any other parameter set
# (a feature this module does not know) is copied value by value.
_PLAIN_PARAMS = frozenset({
    "base_dir", "store", "bucket_name", "region", "root_prefix", "endpoint_url", "client",
    "max_workers", "retry_mode", "max_attempts", "lock_lease", "durable", "file_type",
    "immutable_items", "digest_len", "base_class_for_values", "ttl", "item_ttl", "path",
    "mode"})


def copy(src: PersiDict[Any], dst: PersiDict[Any], *,
         progress: Progress | None = None) -> CopyReport:
    """Copy every item of ``src`` onto ``dst`` (replacing what ``dst`` holds under
    the same keys), concurrently where a side is S3.

    >>> from persidict import LocalDict
    >>> src, dst = LocalDict(), LocalDict()
    >>> src["a"] = 1
    >>> copy(src, dst).copied, dst["a"]
    ([SafeStrTuple('a')], 1)

    Raises:
        TypeError: if ``src`` or ``dst`` is not a PersiDict, or ``progress`` is not
            callable.
        ValueError: if ``src`` and ``dst`` overlap (the same store, or one inside
            the other).
        SyncError: at the end, if some items failed (the others were copied).
    """
    transfer = _Transfer(src, dst, progress)
    keys = list(transfer.src.listing())
    report = CopyReport()
    transfer.copy(keys, report, total=len(keys))
    if report.failed:
        raise SyncError(report)
    return report


def sync(src: PersiDict[Any], dst: PersiDict[Any], *, delete: bool = False,
         dry_run: bool = False, progress: Progress | None = None) -> SyncReport:
    """Make ``dst`` hold what ``src`` holds: copy the items that are missing from
    ``dst`` or differ, and with ``delete`` remove the items ``src`` lacks (only
    once every copy succeeded; each delete only if the item is still the
    version listed). ``dry_run`` reports what would be done and changes nothing.

    Raises:
        TypeError, ValueError: as :func:`copy`; ``TypeError`` also for a
            non-bool ``delete`` or ``dry_run``.
        SyncError: at the end, if some items failed (then nothing was deleted).
    """
    for name, flag in (("delete", delete), ("dry_run", dry_run)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, not {type(flag).__name__}")
    transfer = _Transfer(src, dst, progress)
    source = transfer.src.listing()
    target: dict[SafeStrTuple, Any] = transfer.dst.listing()  # ItemInfo, None, or an etag seen
    report = SyncReport(dry_run=dry_run)
    changed = transfer.differing(source, target, report)
    gone = [key for key in target if key not in source] if delete else []
    if gone and not transfer.dst.raw:  # the version seen now is the one a delete may remove
        seen = transfer.dst.etags(gone)
        gone = [key for key in gone if key in seen]
        target.update(seen)
    total = len(changed) + len(gone)
    if dry_run:
        report.copied, report.deleted = changed, gone
        return report
    transfer.copy(changed, report, total=total)
    if report.failed:
        raise SyncError(report)
    transfer.delete(gone, target, report, done=len(changed), total=total)
    return report


class _Side:
    """One dict of a transfer, listed as ``{key: ItemInfo}`` when its bytes can be
    moved as they are (``raw``), else as ``{key: None}`` through the dict."""

    def __init__(self, d: PersiDict[Any], what: str) -> None:
        if not isinstance(d, PersiDict):
            raise TypeError(f"{what} must be a PersiDict, not {type(d).__name__}")
        self.d = d
        self.raw = _is_plain(d)

    @property
    def store(self) -> Store:
        return self.d.store

    def listing(self) -> dict[SafeStrTuple, ItemInfo | None]:
        if not self.raw:
            return dict.fromkeys(self.d.keys())
        key_of = self.d.naming.key
        found: dict[SafeStrTuple, ItemInfo | None] = {}
        for info in self.store.infos(self.d.naming.suffix):
            key = key_of(info.name)
            if key is not None:
                found[key] = info
        if self.d.ttl is not None or self.d.item_ttl:  # expired items are absent
            live = set(self.d.keys())
            found = {k: info for k, info in found.items() if k in live}
        return found

    def name(self, key: SafeStrTuple) -> str:
        return self.d.naming.name(key)

    def etags(self, keys: list[SafeStrTuple]) -> dict[SafeStrTuple, str]:
        """The etag of each of ``keys`` still present."""
        found = {}
        for key in keys:
            try:
                found[key] = self.d.etag(key)
            except KeyError:
                continue
        return found


def _is_plain(d: PersiDict[Any]) -> bool:
    """Whether ``d``'s stored bytes are its values as its format writes them, and
    a store write is what ``d[k] = v`` would do (no wrapper, no unknown feature)."""
    if type(d) not in (PersiDict, FileDirDict, S3Dict, LocalDict, SqliteDict, ZipDict):
        return False
    return all(name in _PLAIN_PARAMS or not value for name, value in d.get_params().items())


class _Transfer:
    def __init__(self, src: PersiDict[Any], dst: PersiDict[Any],
                 progress: Progress | None) -> None:
        self.src, self.dst = _Side(src, "src"), _Side(dst, "dst")
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be callable or None, not {type(progress).__name__}")
        self.progress = progress
        _check_apart(src, dst)
        self.raw = self.src.raw and self.dst.raw and _bytes_fit(src, dst)

    def report_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # --- what differs

    def differing(self, source: dict[SafeStrTuple, ItemInfo | None],
                  target: dict[SafeStrTuple, ItemInfo | None],
                  report: SyncReport) -> list[SafeStrTuple]:
        """The keys of ``source`` that ``target`` lacks or holds otherwise; the
        equal ones go to ``report.skipped``."""
        changed = [key for key in source if key not in target]
        both = [key for key in source if key in target]
        if self.raw:
            changed += [k for k in both if _size(source[k]) != _size(target[k])]
            both = [k for k in both if _size(source[k]) == _size(target[k])]
            ours = content_md5s(self.src.store, [source[k] for k in both])  # type: ignore[misc]
            theirs = content_md5s(self.dst.store, [target[k] for k in both])  # type: ignore[misc]
            for key in both:
                mine = ours.get(source[key].name)  # type: ignore[union-attr]
                if mine is not None and mine == theirs.get(target[key].name):  # type: ignore[union-attr]
                    report.skipped.append(key)
                else:
                    changed.append(key)
            return changed
        for chunk in chunks(both):
            read, held = values_of(self.src.d, chunk), values_of(self.dst.d, chunk)
            for key in chunk:
                if key in read and key in held and values_equal(read[key], held[key]):
                    report.skipped.append(key)
                else:
                    changed.append(key)
        return changed

    # --- copying

    def copy(self, keys: list[SafeStrTuple], report: CopyReport, *, total: int) -> None:
        done = 0
        self.report_progress(done, total)
        move = self._copy_bytes if self.raw else self._copy_values

        def run(chunk: list[SafeStrTuple]) -> CopyReport:
            part = CopyReport()
            move(chunk, part)
            return part

        # Two chunks in flight, so that one is read while the other is written; no
        # more, so that an interrupted call stops after them.
        with ThreadPoolExecutor(2, thread_name_prefix="persidict-sync") as pool:
            pending: deque[tuple[int, Future[CopyReport]]] = deque()
            for chunk in chunks(keys):
                pending.append((len(chunk), pool.submit(run, chunk)))
                if len(pending) == 2:
                    done += _merge(report, *pending.popleft())
                    self.report_progress(done, total)
            while pending:
                done += _merge(report, *pending.popleft())
                self.report_progress(done, total)

    def _copy_bytes(self, keys: list[SafeStrTuple], report: CopyReport) -> None:
        src_names = {self.src.name(k): k for k in keys}
        pairs: list[tuple[str, bytes]] = []
        written: dict[str, SafeStrTuple] = {}
        for name, data in read_each(self.src.store, list(src_names), report.failed, src_names):
            key = src_names[name]
            if data is None:
                report.vanished.append(key)
                continue
            try:
                target = self.dst.name(key)
            except (TypeError, ValueError) as e:  # e.g. too long a name for that store
                report.failed[key] = e
                continue
            pairs.append((target, data))
            written[target] = key
        failures = self._write(pairs)
        for target, data in pairs:
            key = written[target]
            if target in failures:
                report.failed[key] = failures[target]
            else:
                report.copied.append(key)
                report.bytes_copied += len(data)

    def _write(self, pairs: list[tuple[str, bytes]]) -> dict[str, Exception]:
        store = self.dst.store
        if not self.dst.d.immutable_items:
            return store.try_write_many(pairs)
        present, failures = store.try_create_many(pairs)
        data_of = dict(pairs)
        for name, held in store.read_many(present):
            if held != data_of[name]:  # the same bytes already there is no failure
                failures[name] = KeyError(f"{name!r} is write-once and holds other bytes")
        return failures

    def _copy_values(self, keys: list[SafeStrTuple], report: CopyReport) -> None:
        values = values_of(self.src.d, keys, report.failed)
        report.vanished.extend(k for k in keys if k not in values and k not in report.failed)
        pairs = list(values.items())
        d = self.dst.d
        try:
            if not d.immutable_items:
                d.set_many(pairs)
                report.copied.extend(values)
                return
        except Exception:  # told apart item by item below (writing one twice is harmless)
            pass
        for key, value in pairs:
            try:
                _write_value(d, key, value)
            except Exception as e:  # reported by key; the others still go
                report.failed[key] = e
            else:
                report.copied.append(key)

    # --- deleting

    def delete(self, keys: list[SafeStrTuple], listed: dict[SafeStrTuple, Any],
               report: SyncReport, *, done: int, total: int) -> None:
        def delete_one(key: SafeStrTuple) -> bool | Exception:
            try:
                return self._delete_if_unchanged(key, listed[key])
            except Exception as e:  # reported by key
                return e

        with ThreadPoolExecutor(_DELETERS) as pool:
            for chunk in chunks(keys):
                for key, outcome in zip(chunk, pool.map(delete_one, chunk), strict=True):
                    if isinstance(outcome, Exception):
                        report.failed[key] = outcome
                    elif outcome:
                        report.deleted.append(key)
                    else:
                        report.kept.append(key)
                done += len(chunk)
                self.report_progress(done, total)
        if report.failed:
            raise SyncError(report)

    def _delete_if_unchanged(self, key: SafeStrTuple, seen: ItemInfo | str) -> bool:
        if isinstance(seen, ItemInfo):
            return self.dst.store.delete_if(seen.name, seen.etag)
        try:
            return self.dst.d.compare_and_delete(key, seen)
        except KeyError:  # gone already
            return False


def _write_value(d: PersiDict[Any], key: SafeStrTuple, value: Any) -> None:
    """``d[key] = value``; a write-once dict's refusal of an equal value is no failure."""
    try:
        d[key] = value
    except KeyError:
        if not (d.immutable_items and d.holds(key, value)):
            raise


def _merge(report: CopyReport, count: int, part: Future[CopyReport]) -> int:
    """Add a chunk's outcome to ``report``; return how many keys it had."""
    done = part.result()
    report.copied += done.copied
    report.vanished += done.vanished
    report.failed.update(done.failed)
    report.bytes_copied += done.bytes_copied
    return count


def _check_apart(src: PersiDict[Any], dst: PersiDict[Any]) -> None:
    a, b = _place(src.store), _place(dst.store)
    if a.startswith(b) or b.startswith(a):
        what = "the same store" if a == b else "overlapping stores (one is inside the other)"
        raise ValueError(f"src and dst are {what}: {src.base_url} and {dst.base_url}")


def _place(store: Store) -> str:
    """Where ``store``'s names live, so that one inside another starts with it."""
    url = store.url if store.url.endswith("/") else store.url + "/"
    if isinstance(store, CachingStore):
        store = store.remote
    if isinstance(store, S3Store):  # the same bucket name on two endpoints is two places
        return f"{store.client.meta.endpoint_url} {url}"
    return url


def _bytes_fit(src: PersiDict[Any], dst: PersiDict[Any]) -> bool:
    """Whether ``src``'s bytes are what ``dst`` would write for the same values."""
    if src.file_type != dst.file_type or src.item_ttl:
        return False
    if dst.immutable_items and (dst.ttl is not None or dst.item_ttl):
        return False  # a create over an expired item is the TTL policy's to make
    wanted, given = dst.base_class_for_values, src.base_class_for_values
    return wanted is None or (given is not None and issubclass(given, wanted))


def _size(info: ItemInfo | None) -> int:
    return -1 if info is None else info.size
