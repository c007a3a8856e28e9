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
        base = None
        for codec in CODECS:
            fmt = compressed_format(format_for(file_type), codec)
            data = fmt.dumps(value)
            dumps = best_of(lambda fmt=fmt, value=value: fmt.dumps(value), args.repeat, 3)
            loads = best_of(lambda fmt=fmt, data=data: fmt.loads(data), args.repeat, 3)
            if base is None:
                base = (len(data), dumps, loads)
            table.add(label, codec, f"{len(data):,}", f"{base[0] / len(data):.2f}x",
                      dumps * 1e6, loads * 1e6, f"{dumps / base[1]:.2f}x",
                      f"{loads / base[2]:.2f}x")
    table.print()


if __name__ == "__main__":
    main()
