"""A hot-read cache in front of a folder. Run: python examples/cache_example.py"""

import tempfile
import time

from persidict import FileDirDict, cached


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_cache_")
    models = FileDirDict(folder)
    models["weights"] = list(range(200_000))  # a value that is slow to decode

    hot = cached(models, max_bytes=64 << 20)  # at most 64 MB of decoded values
    start = time.perf_counter()
    hot["weights"]  # a miss: read and decoded, then kept
    miss = time.perf_counter() - start
    start = time.perf_counter()
    hot["weights"]  # a hit: one stat shows the file is unchanged
    hit = time.perf_counter() - start
    print("hit faster than miss:", hit < miss, "| entries:", hot.cache_info()[0])

    # Another handle (or process) changes the value: the next hit sees the change.
    FileDirDict(folder)["weights"] = [1, 2, 3]
    print("after another writer:", hot["weights"])

    # A write-once dict cannot change a value, so its hits do no I/O at all.
    frozen = cached(FileDirDict(tempfile.mkdtemp(prefix="persidict_frozen_"),
                                immutable_items=True))
    frozen["v1"] = "released"
    print("write-once:", frozen["v1"], frozen["v1"], "| read from disk:",
          frozen.cache_info()[1], "time")


if __name__ == "__main__":
    main()
