"""What each ``compress=`` choice costs and saves, on three kinds of values.

Run ``python bench/bench_compress.py [--repeat 7]``. Each row encodes and decodes
one value with a ``pkl`` (or ``json``) dict's format under each codec, best of
``repeat`` rounds; the baseline is ``compress="none"`` in the same run (plain
pickle / JSON text). size = stored bytes; ratio = none's size / this size.
"""

from __future__ import annotations

import argparse
import random

import _paths  # noqa: F401 - the checkout first on sys.path
from _table import Table, best_of

from persidict.compression import compressed_format
from persidict.formats import format_for

CODECS = ["none", "lz4", "gzip", "zstd"]


def values() -> dict[str, tuple[str, object]]:
    rng = random.Random(0)
    records = [{"id": i, "name": f"user{i}", "score": rng.random(), "tags": ["a", "b"]}
               for i in range(2000)]
    config = {f"service{i}": {"host": f"10.0.0.{i}", "port": 8000 + i, "debug": False}
              for i in range(200)}
    noise = rng.randbytes(200_000)
    return {"records (pkl)": ("pkl", records), "config (json)": ("json", config),
            "random bytes (pkl)": ("pkl", noise)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    table = Table(["value", "compress", "size", "ratio", "dumps µs", "loads µs",
                   "dumps vs none", "loads vs none"])
    for label, (file_type, value) in values().items():
        formats = {codec: compressed_format(format_for(file_type), codec) for codec in CODECS}
        stored = {codec: fmt.dumps(value) for codec, fmt in formats.items()}
        dumps = dict.fromkeys(CODECS, float("inf"))
        loads = dict.fromkeys(CODECS, float("inf"))
        for _ in range(args.repeat):  # codecs in turns: a slow moment hits them all
            for codec, fmt in formats.items():
                data = stored[codec]
                dumps[codec] = min(dumps[codec],
                                   best_of(lambda fmt=fmt, v=value: fmt.dumps(v), 1, 3))
                loads[codec] = min(loads[codec],
                                   best_of(lambda fmt=fmt, data=data: fmt.loads(data), 1, 3))
        for codec in CODECS:
            size = len(stored[codec])
            table.add(label, codec, f"{size:,}", f"{len(stored['none']) / size:.2f}x",
                      dumps[codec] * 1e6, loads[codec] * 1e6,
                      f"{dumps[codec] / dumps['none']:.2f}x",
                      f"{loads[codec] / loads['none']:.2f}x")
    table.print()


if __name__ == "__main__":
    main()
