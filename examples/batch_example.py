"""The batch writer: many writes and deletes sent in bulk. Run: python examples/batch_example.py

On S3 a batch's writes go out concurrently and its deletes as one DeleteObjects per
1,000 keys; on a folder (used here, so the example needs no bucket) the same code
works item by item.
"""

import tempfile

from persidict import DELETE_CURRENT, KEEP_CURRENT, BatchError, FileDirDict


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_batch_")
    d = FileDirDict(folder, file_type="json")
    d["stale"] = "old"
    d["config"] = {"retries": 3}

    # Everything is sent when the block ends (and every max_pending keys).
    with d.batch(max_pending=500) as b:
        for i in range(1000):
            b["runs", f"run-{i:04d}"] = {"loss": 1 / (i + 1)}
        b["A", "1"] = "A1"
        b["B", "1"] = "B1"
        b["A", "1"] = "A2"  # one key, in order: the last write wins
        b["config"] = KEEP_CURRENT  # leaves it as it is
        del b["stale"]
        del b["never-written"]  # a missing key is no error
        b["B", "2"] = DELETE_CURRENT  # the same as del b["B", "2"]
    runs = len(d.get_subdict("runs"))
    print("runs written:", runs, "| A/1:", d["A", "1"], "| B/1:", d["B", "1"],
          "| stale left:", "stale" in d)
    assert runs == 1000
    assert (d["A", "1"], d["B", "1"], "stale" in d) == ("A2", "B1", False)

    # If the block raises, nothing pending is sent.
    try:
        with d.batch() as b:
            b["half-done"] = 1
            raise RuntimeError("changed my mind")
    except RuntimeError as e:
        print("block raised:", e, "| half-done written:", "half-done" in d)
    assert "half-done" not in d

    # Failed items are each reported at the end; the others are written.
    results = FileDirDict(folder + "/results", immutable_items=True)
    results["exp-1"] = 0.93
    try:
        with results.batch() as b:
            b["exp-1"] = 0.10  # write-once: refused, never overwritten
            b["exp-2"] = 0.88
            b["exp-3"] = 0.91
    except BatchError as e:
        failed = [(key.strings, type(error).__name__) for key, error in e.failures]
        print("failed:", failed, "| exp-1:", results["exp-1"], "| written:", sorted(
            k[0] for k in results))
        assert failed == [(("exp-1",), "KeyError")]
    else:
        raise AssertionError("the rewrite of exp-1 was not reported")
    assert sorted(results.items()) == [("exp-1", 0.93), ("exp-2", 0.88), ("exp-3", 0.91)]


if __name__ == "__main__":
    main()
