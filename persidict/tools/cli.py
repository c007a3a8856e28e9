"""The ``persidict`` command line (also ``python -m persidict``).

Keys are written ``a/b/c``; output is for people, or one JSON document with
``--json``. Errors print one line on stderr (a traceback only with ``--debug``)
and exit with status 2 for a bad argument (as argparse does), 1 for a failed
operation, 130 when interrupted, as ``aws s3`` and ``rclone`` do.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from . import _cli_commands as commands
from ._cli_commands import OperationError, UsageError

_PROG = "persidict"


def _options(parser: argparse.ArgumentParser, default: object) -> None:
    """The options every command takes, before or after the command name."""
    parser.add_argument("--json", action="store_true", default=default,
                        help="print one JSON document (set: parse VALUE as JSON)")
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the traceback of an error")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        default=default, help="no progress bar, even on a terminal")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG, description="Read and change persidict stores named by URL"
        " (a folder path, file:///path, s3://bucket/prefix?endpoint_url=..., memory://name).")
    _options(parser, None)
    subs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    _options(common, argparse.SUPPRESS)  # so a global option is not reset by the command's

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return subs.add_parser(name, help=help_text, description=help_text, parents=[common])

    ls = command("ls", "list keys, sorted (or the newest / oldest); --long adds time and size")
    ls.add_argument("url")
    ls.add_argument("--prefix", metavar="K", help="only keys under K (a/b), shown whole")
    order = ls.add_mutually_exclusive_group()
    order.add_argument("--newest", type=int, metavar="N", help="the N newest keys, newest first")
    order.add_argument("--oldest", type=int, metavar="N", help="the N oldest keys, oldest first")
    ls.add_argument("-l", "--long", action="store_true", help="show time (UTC) and size")
    ls.set_defaults(run=commands.ls)

    get = command("get", "print the value of KEY")
    get.add_argument("url")
    get.add_argument("key")
    get.set_defaults(run=commands.get)

    set_ = command("set", "store VALUE (a string; with --json, parsed as JSON) at KEY")
    set_.add_argument("url")
    set_.add_argument("key")
    set_.add_argument("value")
    set_.set_defaults(run=commands.set_)

    rm = command("rm", "delete the KEYs (each one missing is an error; the rest go)")
    rm.add_argument("url")
    rm.add_argument("keys", nargs="+", metavar="key")
    rm.set_defaults(run=commands.rm)

    stats = command("stats", "count the items and their bytes; the oldest and newest")
    stats.add_argument("url")
    stats.add_argument("--prefix", metavar="K", help="only keys under K (a/b)")
    stats.set_defaults(run=commands.stats)

    copy = command("copy", "copy every item of SRC onto DST (either a URL)")
    copy.add_argument("src")
    copy.add_argument("dst")
    copy.set_defaults(run=commands.copy_)

    sync = command("sync", "make DST hold what SRC holds: copy what differs"
                           " (--delete: remove what SRC lacks, after an error-free copy)")
    sync.add_argument("src")
    sync.add_argument("dst")
    sync.add_argument("--delete", action="store_true", help="delete from DST what SRC lacks")
    sync.add_argument("--dry-run", action="store_true", help="say what would be done; do nothing")
    sync.set_defaults(run=commands.sync_)

    history = command("history", "the changes of KEY, newest first (time, op, who, value)")
    history.add_argument("url")
    history.add_argument("key")
    history.add_argument("--limit", type=int, metavar="N", help="only the N newest")
    history.set_defaults(run=commands.history)

    changes = command("changes", "every key's changes in time order (the change feed)")
    changes.add_argument("url")
    changes.add_argument("--since", metavar="T", help="from T: ISO-8601 (UTC unless it says),"
                         " an age like 30m, 2h, 3d, or POSIX seconds")
    changes.add_argument("--until", metavar="T", help="before T (same forms)")
    changes.add_argument("--limit", type=int, metavar="N", help="only the first N")
    changes.set_defaults(run=commands.changes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (the console script exits with it)."""
    args = build_parser().parse_args(argv)
    args.json, args.debug = bool(args.json), bool(args.debug)
    args.progress = args.progress is not False
    try:
        return int(args.run(args))
    except UsageError as e:
        return _fail(args, e, 2)
    except KeyboardInterrupt as e:
        return _fail(args, e, 130, "interrupted")
    except BrokenPipeError:  # `persidict ls URL | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE
    except OperationError as e:
        return _fail(args, e, 1)
    except Exception as e:
        return _fail(args, e, 1, f"{type(e).__name__}: {e}")


def _fail(args: argparse.Namespace, error: BaseException, status: int,
          message: str | None = None) -> int:
    if args.debug:
        traceback.print_exception(error)
    first_line = (message or str(error)).strip().splitlines() or [type(error).__name__]
    print(f"{_PROG}: error: {first_line[0]}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
