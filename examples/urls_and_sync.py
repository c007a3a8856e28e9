"""Dicts named by URLs in a config file, and a backup kept in sync.
Run: python examples/urls_and_sync.py"""

import json
import os
import tempfile

import persidict


def main() -> None:
    home = tempfile.mkdtemp(prefix="persidict_urls_")

    # A config file is a set of URLs: name -> URL (JSON here; INI or TOML alike).
    config_path = os.path.join(home, "stores.json")
    with open(config_path, "w") as f:
        json.dump({"results": f"file://{home}/results?file_type=json",
                   "backup": f"file://{home}/backup?file_type=json&digest_len=0",
                   "scratch": "memory://scratch"}, f)
    with open(config_path) as f:
        stores = {name: persidict.open(url) for name, url in json.load(f).items()}
    results, backup = stores["results"], stores["backup"]
    print("results:", type(results).__name__, results.file_type, "| scratch:",
          type(stores["scratch"]).__name__)

    # Every dict has .url, which opens an equal dict (the same store, the same parameters).
    print("url:", results.url.replace(home, "~"))
    assert persidict.open(results.url) == results

    for i in range(100):
        results["run", str(i)] = {"score": i / 100}
    first = persidict.sync(results, backup)
    print("first sync: copied", len(first.copied), "| skipped", len(first.skipped))

    results["run", "7"] = {"score": 0.99}  # one change, one removal
    del results["run", "8"]
    plan = persidict.sync(results, backup, delete=True, dry_run=True)
    print("dry run would copy", [k.strings for k in plan.copied], "and delete",
          [k.strings for k in plan.deleted])
    done = persidict.sync(results, backup, delete=True)
    print("second sync: copied", len(done.copied), "| skipped", len(done.skipped),
          "| deleted", len(done.deleted))
    assert dict(backup.items()) == dict(results.items())

    # The backup's folder names carry no digest suffix (digest_len=0): plain files.
    print("backup file:", os.path.relpath(os.path.join(backup.base_dir, "run", "7.json"), home),
          os.path.exists(os.path.join(backup.base_dir, "run", "7.json")))


if __name__ == "__main__":
    main()
