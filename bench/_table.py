"""Timing and table helpers shared by the scripts in ``bench/``."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Best:
    """The smallest time seen per label: the least disturbed of several repeats.

    On a shared, noisy machine the minimum estimates what an operation costs;
    the mean also measures whatever else ran meanwhile.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, label: str, seconds: float) -> None:
        old = self.seconds.get(label)
        if old is None or seconds < old:
            self.seconds[label] = seconds

    def time(self, label: str, fn: Callable[[], object]) -> None:
        self.add(label, timed(fn))

    def __getitem__(self, label: str) -> float:
        return self.seconds[label]


def best_of(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Smallest seconds per call of ``fn`` over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


@dataclass
class Table:
    """A plain-text table, printed with columns aligned (numbers to the right)."""

    header: Sequence[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(c) for c in cells])

    def render(self) -> str:
        widths = [max(len(str(h)), *(len(r[i]) for r in self.rows)) if self.rows else len(h)
                  for i, h in enumerate(self.header)]
        lines = [_line(self.header, widths), _line(["-" * w for w in widths], widths)]
        lines += [_line(r, widths) for r in self.rows]
        return "\n".join(lines)

    def print(self) -> None:
        print(self.render(), flush=True)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value < 10:
            return f"{value:.3g}"
        return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"
    return str(value)


def _line(cells: Sequence[object], widths: Sequence[int]) -> str:
    out = []
    for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
        text = str(c)
        out.append(text.ljust(w) if i == 0 else text.rjust(w))
    return "  ".join(out).rstrip()


def verdict(ratio: float, target: float) -> str:
    """``ok`` when ``ratio`` meets ``target``, else ``MISS``."""
    return "ok" if ratio <= target else "MISS"


def machine_note(folder: str) -> str:
    """One line saying where and on what the figures were taken."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"python {platform.python_version()} on {platform.system()} {platform.machine()},"
            f" {os.cpu_count()} cpus, load {load:.2f}, folder {folder}"
            f" ({_fs_type(folder)}), argv: {' '.join(sys.argv[1:]) or '(defaults)'}")


def _fs_type(folder: str) -> str:
    try:
        with open("/proc/mounts") as f:
            mounts = [line.split()[1:3] for line in f]
    except OSError:
        return "fs unknown"
    real = os.path.realpath(folder)
    best = max((m for m in mounts if real == m[0] or real.startswith(m[0].rstrip("/") + "/")),
               key=lambda m: len(m[0]), default=None)
    return best[1] if best else "fs unknown"


def rounds_per_backend(backends: dict[str, Callable[[], Any]], names: Sequence[str],
                       tmp: str, repeat: int, run_round: Callable[[Best, Any, int], None],
                       baseline: str) -> Table:
    """Run ``run_round(best, d, round)`` ``repeat`` times on a dict of each backend
    (``backends[name]()`` is a context manager giving ``factory(tmp) -> dict``);
    return a table of µs per operation and the ratio to the ``baseline`` row."""
    table = Table(["backend", "op", "µs/op", "ratio"])
    for name in names:
        with backends[name]() as factory:
            best = Best()
            d = factory(tmp)
            for r in range(repeat):
                run_round(best, d, r)
            base = best[baseline]
            for label, seconds in best.seconds.items():
                table.add(name, label, seconds * 1e6, f"{seconds / base:.2f}x")
    return table
