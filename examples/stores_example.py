"""A SQLite file shared by worker processes, then exported to a zip archive.
Run: python examples/stores_example.py"""

import multiprocessing
import os
import tempfile

import persidict
from persidict import SqliteDict, ZipDict


def work(d: SqliteDict, worker: int) -> None:
    for i in range(50):
        d["results", f"w{worker}-{i}"] = {"worker": worker, "score": i}
        d.incr("finished")  # exact across processes: one SQL statement each


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_stores_")
    results = SqliteDict(os.path.join(folder, "runs.db"), file_type="json")
    ctx = multiprocessing.get_context("spawn")  # each worker reopens the file
    workers = [ctx.Process(target=work, args=(results, w)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("finished:", results["finished"], "| results:", len(results.get_subdict("results")))
    print("written last:", results.newest_keys(1)[0])

    archive = os.path.join(folder, "export.zip")
    with ZipDict(archive, file_type="json", mode="a") as export:
        report = persidict.copy(results, export)
        try:
            ZipDict(archive)
        except persidict.StoreError:
            print("a reader waits for the writer to close")
    print("exported:", len(report.copied))
    reader = persidict.open(f"zip://{archive}?file_type=json")
    print("from the zip:", reader["results", "w2-7"], "| finished:", reader["finished"])


if __name__ == "__main__":
    main()
