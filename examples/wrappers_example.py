"""Wrappers: read-only and write-only views, a mirror, a log, compression.
Run: python examples/wrappers_example.py"""

import logging
import sys
import tempfile
from pathlib import Path

from persidict import (
    FileDirDict,
    MirrorError,
    ReadOnlyError,
    WriteOnlyError,
    logged,
    mirror,
    read_only,
    write_only,
)


def main() -> None:
    results = FileDirDict(tempfile.mkdtemp(prefix="persidict_wrappers_"), file_type="json")
    results["run-1"] = {"loss": 0.25}

    # A read-only view for a dashboard: reads work, every change is refused.
    view = read_only(results)
    try:
        view["run-1"] = {"loss": 0.0}
    except ReadOnlyError as e:  # a PermissionError
        print("dashboard:", view["run-1"], "|", e)

    # A drop box for workers: they write and check `in`, but cannot read or list.
    box = write_only(results)
    box["run-2"] = {"loss": 0.5}
    try:
        len(box)
    except WriteOnlyError as e:
        print("worker sees run-2:", "run-2" in box, "|", e)

    # A mirror: writes go to the primary first, then to every replica.
    backup = FileDirDict(tempfile.mkdtemp(prefix="persidict_backup_"), file_type="json")
    both = mirror(results, backup)
    both["run-3"] = {"loss": 0.125}
    print("backup holds run-3:", backup["run-3"], "| runs counted:", both.incr("runs"))
    broken = FileDirDict(tempfile.mkdtemp(prefix="persidict_broken_"),
                         base_class_for_values=str)  # refuses what the primary takes
    try:
        mirror(results, broken)["run-4"] = {"loss": 1.0}
    except MirrorError as e:
        print("failed replicas:", len(e.failures), "| primary has run-4:", "run-4" in results)

    # A log record per operation, with the key and how long it took.
    logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(message)s")
    logging.getLogger("runs").setLevel(logging.INFO)
    audited = logged(results, "runs", logging.INFO)
    audited["run-1"]  # logs "INFO get ('run-1',) on file://...: 0.05 ms"

    # Compression: pick the codec per dict; each value says which codec wrote it.
    folder = tempfile.mkdtemp(prefix="persidict_zstd_")
    packed = FileDirDict(folder, compress="zstd")
    packed["big"] = "x" * 100_000
    on_disk = sum(f.stat().st_size for f in Path(folder).rglob("*.pkl"))
    print("bytes on disk:", on_disk, "| read back:", len(packed["big"]))


if __name__ == "__main__":
    main()
