"""The ``persidict`` subcommands: each reads its parsed arguments, does its work
through the dict API, prints for people (or one JSON document with ``--json``)
and returns the exit status. Argument errors raise :class:`UsageError`."""

from __future__ import annotations

import contextlib
import heapq
import json
import os
from argparse import Namespace
from operator import itemgetter
from typing import Any

from .._time_order import keys_and_infos
from ..errors import CorruptValueError
from ..file_dir_dict import FileDirDict
from ..history import ABSENT, UNRECORDED
from ..persi_dict import PersiDict
from ..safe_str_tuple import SafeStrTuple
from ._cli_format import (
    json_time,
    jsonable,
    parse_key,
    parse_time,
    print_json,
    show_key,
    show_size,
    show_time,
    show_value,
)
from ._progress import counted, progress_bar
from .sync import CopyReport, SyncError, copy, sync
from .urls import open_url


class UsageError(Exception):
    """A command-line argument that cannot be used as given (exit status 2)."""


class OperationError(Exception):
    """The command ran and failed, with a message for people (exit status 1)."""


def argument(what: str, parse: Any, text: str) -> Any:
    """``parse(text)``, a bad one raised as a :class:`UsageError` naming ``what``."""
    try:
        return parse(text)
    except (TypeError, ValueError) as e:
        raise UsageError(f"bad {what} {text!r}: {e}") from e


def open_dict(url: str, *, must_exist: bool, **params: Any) -> PersiDict[Any]:
    """The dict at ``url``; with ``must_exist``, a missing folder or bucket is an
    :class:`OperationError` and nothing is created."""
    try:
        return open_url(url, must_exist=must_exist, **params)
    except FileNotFoundError as e:
        raise OperationError(str(e.args[0] if e.args else e)) from e
    except (TypeError, ValueError) as e:
        raise UsageError(f"bad URL {url!r}: {e}") from e


def _under(args: Namespace, d: PersiDict[Any]) -> tuple[PersiDict[Any], tuple[str, ...]]:
    """The subdict ``--prefix`` names (the dict itself without one), and the prefix."""
    if not getattr(args, "prefix", None):
        return d, ()
    prefix = argument("--prefix", parse_key, args.prefix)
    return d.get_subdict(prefix), prefix.strings


def ls(args: Namespace) -> int:
    d, prefix = _under(args, open_dict(args.url, must_exist=True))
    count = args.newest if args.newest is not None else args.oldest
    if count is not None and count <= 0:
        raise UsageError(f"--newest / --oldest must be a positive count, not {count}")
    with progress_bar("listing", enabled=args.progress) as progress:
        if args.long:
            rows = [(key, info.mtime, info.size)
                    for key, info in counted(keys_and_infos(d), progress)]
        elif count is not None:
            rows = [(key, ts, None) for key, ts in counted(d.keys_and_timestamps(), progress)]
        else:
            rows = [(key, None, None) for key in counted(iter(d), progress)]
    if count is not None:
        pick = heapq.nlargest if args.newest else heapq.nsmallest
        rows = pick(count, rows, key=itemgetter(1))
    else:
        rows.sort(key=itemgetter(0))
    _print_rows(rows, prefix, args.json)
    return 0


def _print_rows(rows: list[tuple[SafeStrTuple, float | None, int | None]],
                prefix: tuple[str, ...], as_json: bool) -> None:
    if as_json:
        document = []
        for key, ts, size in rows:
            row: dict[str, Any] = {"key": show_key(key, prefix)}
            if ts is not None:
                row.update(time=json_time(ts), timestamp=ts)
            if size is not None:
                row["size"] = size
            document.append(row)
        print_json(document)
        return
    for key, ts, size in rows:
        shown = show_key(key, prefix)
        if size is not None:
            print(f"{show_time(ts or 0)} {size:>10} {shown}")
        elif ts is not None:
            print(f"{show_time(ts)} {shown}")
        else:
            print(shown)


def _missing(key: SafeStrTuple, d: PersiDict[Any]) -> OperationError:
    return OperationError(f"key {show_key(key)} not found in {d.base_url}")


def get(args: Namespace) -> int:
    key = argument("key", parse_key, args.key)
    d = open_dict(args.url, must_exist=True)
    try:
        value = d[key]
    except KeyError:
        raise _missing(key, d) from None
    if args.json:
        print_json(jsonable(value))
    else:
        print(show_value(value))
    return 0


def set_(args: Namespace) -> int:
    key = argument("key", parse_key, args.key)
    value = argument("JSON value", json.loads, args.value) if args.json else args.value
    d = open_dict(args.url, must_exist=False)
    d[key] = value
    return 0


def rm(args: Namespace) -> int:
    keys = [argument("key", parse_key, text) for text in args.keys]
    d = open_dict(args.url, must_exist=True)
    deleted: list[str] = []
    missing: list[str] = []
    for key in keys:
        (deleted if d.delete_if_exists(key) else missing).append(show_key(key))
    if args.json:
        print_json({"deleted": deleted, "missing": missing})
    else:
        for shown in deleted:
            print(f"deleted {shown}")
    if missing:
        raise OperationError(f"not found in {d.base_url}: {', '.join(missing)}")
    return 0


def stats(args: Namespace) -> int:
    root = open_dict(args.url, must_exist=True)
    d, prefix = _under(args, root)
    count = total = 0
    oldest = newest = None
    with progress_bar("counting", enabled=args.progress) as progress:
        for key, info in counted(keys_and_infos(d), progress):
            count += 1
            total += info.size
            if oldest is None or info.mtime < oldest[1]:
                oldest = (key, info.mtime)
            if newest is None or info.mtime > newest[1]:
                newest = (key, info.mtime)
    if args.json:
        print_json({"url": root.base_url, "prefix": show_key_or_none(prefix),
                    "count": count, "bytes": total,
                    "oldest": _json_stamp(prefix, oldest),
                    "newest": _json_stamp(prefix, newest)})
        return 0
    print(f"url:    {root.base_url}")
    if prefix:
        print(f"prefix: {'/'.join(prefix)}")
    print(f"items:  {count}")
    print(f"bytes:  {total} ({show_size(total)})")
    for label, stamp in (("oldest", oldest), ("newest", newest)):
        if stamp is not None:
            print(f"{label}: {show_time(stamp[1])} {show_key(stamp[0], prefix)}")
    return 0


def show_key_or_none(prefix: tuple[str, ...]) -> str | None:
    return "/".join(prefix) if prefix else None


def _json_stamp(prefix: tuple[str, ...],
                stamp: tuple[SafeStrTuple, float] | None) -> dict[str, Any] | None:
    if stamp is None:
        return None
    return {"key": show_key(stamp[0], prefix), "time": json_time(stamp[1]),
            "timestamp": stamp[1]}


def copy_(args: Namespace) -> int:
    src = open_dict(args.src, must_exist=True)
    dst, made = _destination(args.dst)
    report = _transfer("copying", args, src, dst, made,
                       lambda progress: copy(src, dst, progress=progress))
    _print_report(args, src, dst, report)
    return 0


def sync_(args: Namespace) -> int:
    src = open_dict(args.src, must_exist=True)
    dst, made = _destination(args.dst)
    report = _transfer("syncing", args, src, dst, made, lambda progress: sync(
        src, dst, delete=args.delete, dry_run=args.dry_run, progress=progress))
    _print_report(args, src, dst, report)
    return 0


def _destination(url: str) -> tuple[PersiDict[Any], bool]:
    """The dict at ``url``, and whether opening it made its folder."""
    try:
        return open_dict(url, must_exist=True), False
    except OperationError:
        return open_dict(url, must_exist=False), True


def _transfer(description: str, args: Namespace, src: PersiDict[Any], dst: PersiDict[Any],
              made: bool, run: Any) -> Any:
    """``run(progress)`` under a progress bar; a dict that cannot be a source or
    destination (the same store, one inside the other) is a :class:`UsageError`
    that leaves nothing behind; failed items print the report, then fail with
    the keys."""
    try:
        with progress_bar(description, enabled=args.progress) as progress:
            return run(progress)
    except SyncError as e:
        _print_report(args, src, dst, e.report)
        raise OperationError(str(e)) from e
    except CorruptValueError:
        raise
    except (TypeError, ValueError) as e:
        if made and isinstance(dst, FileDirDict):
            with contextlib.suppress(OSError):  # only if still empty
                os.rmdir(dst.base_dir)
        raise UsageError(str(e)) from e


def _print_report(args: Namespace, src: PersiDict[Any], dst: PersiDict[Any],
                  report: CopyReport) -> None:
    if args.json:
        print_json({"src": src.url, "dst": dst.url, **report.to_json()})
        return
    done = report.to_json()
    if done.get("dry_run"):
        for word, keys in (("copy", done["copied"]), ("delete", done["deleted"])):
            for shown in keys:
                print(f"would {word} {shown}")
        print(f"dry run: would copy {len(done['copied'])} and delete {len(done['deleted'])}"
              f" item(s); nothing changed")
        return
    parts = [f"copied {len(done['copied'])} item(s)"]
    if done["bytes_copied"]:  # counted where bytes go over as they are
        parts[0] += f" ({show_size(done['bytes_copied'])})"
    for name, what in (("skipped", "unchanged"), ("deleted", "deleted"),
                       ("kept", "kept: changed after listing"),
                       ("vanished", "gone from the source before read"),
                       ("failed", "failed")):
        if done.get(name):
            parts.append(f"{len(done[name])} {what}")
    print(", ".join(parts) + f" from {src.url} to {dst.url}")


def history(args: Namespace) -> int:
    key = argument("key", parse_key, args.key)
    limit = _positive("--limit", args.limit)
    # Reading the records needs no history=true in the URL: they are there or not.
    d = open_dict(args.url, must_exist=True, history=True)
    found = d.history(key, limit=limit)
    if args.json:
        print_json([_change_json(change, values=True) for change in found])
        return 0
    for change in found:
        value = show_value(change.new_value) if change.op == "set" else "-"
        print(f"{show_time(change.time)} {change.op:<6} {change.who} {value}")
    return 0


def changes(args: Namespace) -> int:
    since = None if args.since is None else argument("--since", parse_time, args.since)
    until = None if args.until is None else argument("--until", parse_time, args.until)
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    limit = _positive("--limit", args.limit)
    d = open_dict(args.url, must_exist=True, history=True)
    found = d.changes(since=since, until=until, limit=limit)
    if args.json:
        print_json([_change_json(change, values=False) for change in found])
        return 0
    for change in found:
        print(f"{show_time(change.time)} {change.op:<6} {show_key(change.key)} {change.who}")
    return 0


def _positive(what: str, count: int | None) -> int | None:
    if count is not None and count <= 0:
        raise UsageError(f"{what} must be a positive count, not {count}")
    return count


def _change_json(change: Any, *, values: bool) -> dict[str, Any]:
    """A change for scripts; a value field is left out where there is no value
    (the new value of a delete, an old value before the key existed or unrecorded)."""
    who = change.who
    row = {"key": show_key(change.key), "op": change.op, "time": json_time(change.time),
           "timestamp": change.time, "who": {"host": who.host, "pid": who.pid,
                                             "user": who.user}}
    if values:
        for name in ("new_value", "old_value"):
            value = getattr(change, name)
            if value is not ABSENT and value is not UNRECORDED:
                row[name] = jsonable(value)
    return row
