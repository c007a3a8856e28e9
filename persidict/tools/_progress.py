"""Progress bars for the command line: a bar on stderr when it is a terminal and
tqdm is installed (the ``[cli]`` extra), nothing at all otherwise, so piped or
captured output carries no bar characters."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Progress = Callable[[int, "int | None"], None]  # progress(done, total): what copy/sync call


def _no_progress(done: int, total: int | None) -> None:
    """The progress of a run that shows none."""


def bar_wanted(enabled: bool = True) -> bool:
    """Whether a bar would show: asked for, stderr a terminal, tqdm importable."""
    if not enabled or not sys.stderr.isatty():
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Progress]:
    """Yield ``progress(done, total)``, drawing a bar (count, rate, ETA) on a terminal.

    ``total`` may be ``None`` (a listing whose size is unknown: count and rate
    only) and may change between calls. The bar is removed when the block ends.
    """
    if not bar_wanted(enabled):
        yield _no_progress
        return
    from tqdm import tqdm

    # A terminal may report a size of 0 x 0 (a fresh pseudo-terminal does), on
    # which tqdm draws nothing: then 80 x 24.
    size = shutil.get_terminal_size((80, 24))
    bar: Any = tqdm(desc=description, unit=" items", file=sys.stderr, leave=False,
                    ncols=size.columns or 80, nrows=size.lines or 24, mininterval=0.1)

    def progress(done: int, total: int | None) -> None:
        if total != bar.total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.refresh()  # the last count, even within the bar's redraw interval
        bar.close()


def counted(items: Iterator[Any], progress: Progress, total: int | None = None) -> Iterator[Any]:
    """Pass ``items`` through, reporting each to ``progress`` (every 64 items, and at
    the end, so a bar costs nothing per item on a million-item listing)."""
    done = 0
    for done, item in enumerate(items, start=1):
        if done % 64 == 0:
            progress(done, total)
        yield item
    progress(done, total)
