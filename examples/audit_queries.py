"""Audit queries: "what were the last results written, and when?" asked from Python
and from the shell (the ``persidict`` command line), on a store of 2,000 items.

Run: python examples/audit_queries.py
"""

import json
import subprocess
import sys
import tempfile
import time

from persidict import FileDirDict


def cli(*args: str) -> str:
    """``persidict ARGS`` (the console script; ``python -m persidict`` is the same)."""
    done = subprocess.run([sys.executable, "-m", "persidict", *args], capture_output=True,
                          text=True, check=True)
    return done.stdout


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_audit_")
    d = FileDirDict(folder, file_type="json")
    url = f"file://{folder}?file_type=json"  # the same dict, named for the shell
    d.update({("runs", f"batch-{i:04d}"): {"loss": i / 2000} for i in range(2000)})
    for i in range(5):  # the latest results, a few milliseconds apart
        time.sleep(0.02)
        d["runs", f"late-{i}"] = {"loss": 0.001 * i}

    # What are the 3 newest results? Python, then the shell.
    newest = ["/".join(key) for key in d.newest_keys(3)]
    print("python: newest 3:", ", ".join(newest))
    shell = [line.split()[-1] for line in cli("ls", url, "--newest", "3").splitlines()]
    print("shell:  newest 3:", ", ".join(shell))

    # When was the newest one written? timestamp() and `ls --long --json`.
    written = d.timestamp(d.newest_keys(1)[0])
    row = json.loads(cli("ls", url, "--newest", "1", "--long", "--json"))[0]
    print(f"written at: {written} | the shell says {row['time']},"
          f" same: {row['timestamp'] == written}")

    # How many items, and which is the newest? len() and `stats --json`.
    stats = json.loads(cli("stats", url, "--json"))
    print(f"python: {len(d)} items | shell: {stats['count']} items,"
          f" {stats['bytes']} bytes, newest {stats['newest']['key']}")
    assert shell == newest
    assert stats["count"] == len(d) == 2005
    assert stats["newest"]["key"] == newest[0]


if __name__ == "__main__":
    main()
