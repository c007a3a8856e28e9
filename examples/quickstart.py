"""A tour of persidict on a local folder. Run: python examples/quickstart.py"""

import tempfile
from concurrent.futures import ProcessPoolExecutor

from persidict import DELETE_CURRENT, FileDirDict, WriteOnceDict


def count_words(args: tuple[FileDirDict, str]) -> int:
    """Runs in a worker process: the dict handle arrives as its parameters."""
    results, text = args
    results["counts", text] = len(text.split("_"))
    return results.incr("jobs_done")


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_quickstart_")

    # A dict whose items are pickle files in a folder.
    d = FileDirDict(folder)
    d["greeting"] = "hello"
    d["users", "alice"] = {"age": 31, "langs": ["en", "fr"]}
    d["users", "bob"] = {"age": 27, "langs": ["de"]}
    print("keys:", sorted(d))
    print("alice:", d["users", "alice"])

    # A subdict is a live view of the keys under a prefix.
    users = d.get_subdict("users")
    users["carol"] = {"age": 45, "langs": ["es"]}
    print("users:", sorted(users), "| carol via the parent:", d["users", "carol"]["age"])

    # Time order comes from the files' modification times.
    print("newest two:", d.newest_keys(2))
    print("written at:", d.timestamp("greeting"))

    # Jokers change items instead of being stored.
    d["greeting"] = DELETE_CURRENT
    print("greeting still there?", "greeting" in d)

    # Atomic read-modify-write, safe across processes and machines.
    d.incr("visits")
    d.transform(("users", "bob"), lambda u: {**u, "age": u["age"] + 1})
    print("visits:", d["visits"], "| bob is now", d["users", "bob"]["age"])
    if d.add("config", {"retries": 3}):
        print("config added once; a second add returns", d.add("config", {}))

    # Worker processes reopen the same folder from the pickled handle.
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(count_words, [(d, "a_b_c"), (d, "d_e")]))
    print("counts:", {k[-1]: d[k] for k in d if k[0] == "counts"}, "| jobs:", d["jobs_done"])

    # JSON files people can read, and write-once results.
    settings = FileDirDict(folder + "/settings", file_type="json")
    settings["service", "timeout_s"] = 30
    results = WriteOnceDict(FileDirDict(folder + "/results", immutable_items=True))
    results["run-1"] = 0.93
    results["run-1"] = 0.10  # ignored: the first write wins
    print("timeout:", settings["service", "timeout_s"], "| run-1:", results["run-1"])

    # A lock for user code that must run alone across processes.
    with d.lock("report", timeout=10):
        d["report"] = f"{len(d)} items"
    print("report:", d["report"])


if __name__ == "__main__":
    main()
