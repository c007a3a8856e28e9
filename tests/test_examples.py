"""Every script in examples/ runs to the end, as the README tells users to run it, and
prints what it claims: each line of its output is compared with the expected one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
FLOAT = r"\d+(?:\.\d+)?"

# Each line of each example's output, as a regular expression (most are literal).
EXPECTED = {
    "quickstart.py": [
        re.escape("keys: [SafeStrTuple('greeting'), SafeStrTuple('users', 'alice'),"
                  " SafeStrTuple('users', 'bob')]"),
        re.escape("alice: {'age': 31, 'langs': ['en', 'fr']}"),
        re.escape("users: [SafeStrTuple('alice'), SafeStrTuple('bob'), SafeStrTuple('carol')]"
                  " | carol via the parent: 45"),
        re.escape("newest two: [SafeStrTuple('users', 'carol'), SafeStrTuple('users', 'bob')]"),
        f"written at: (?P<timestamp>{FLOAT})",
        re.escape("greeting still there? False"),
        re.escape("visits: 1 | bob is now 28"),
        re.escape("config added once; a second add returns False"),
        re.escape("counts: {'a_b_c': 3, 'd_e': 2} | jobs: 2"),
        re.escape("timeout: 30 | run-1: 0.93"),
        re.escape("report: 8 items"),
    ],
    "async_example.py": [
        re.escape("first three: [1.0, 0.5, 0.333]"),
        re.escape("finished: 50"),
        re.escape("best loss: 0.01 | runs: 100"),
        re.escape("ticks during a 0.3 s transform > 10: True"),
        re.escape("report: written under the lock"),
    ],
    "batch_example.py": [
        re.escape("runs written: 1000 | A/1: A2 | B/1: B1 | stale left: False"),
        re.escape("block raised: changed my mind | half-done written: False"),
        re.escape("failed: [(('exp-1',), 'KeyError')] | exp-1: 0.93"
                  " | written: ['exp-1', 'exp-2', 'exp-3']"),
    ],
    "query_example.py": [
        re.escape("alice in June: [(('2024-06-01',), 40), (('2024-06-15',), 7),"
                  " (('2024-06-15', 'refund'), -7), (('2024-06-28',), 95)]"),
        re.escape("alice's last two before July: [SafeStrTuple('orders', 'alice', '2024-06-28'),"
                  " SafeStrTuple('orders', 'alice', '2024-06-15', 'refund')]"),
        re.escape("alice's orders over 20: ['2024-06-01', '2024-06-28', '2024-07-02']"),
        re.escape("first small order: {'day': '2024-06-15', 'amount': 7}"),
    ],
    "stores_example.py": [
        re.escape("finished: 200 | results: 200"),
        re.escape("written last: SafeStrTuple('finished')"),
        re.escape("a reader waits for the writer to close"),
        re.escape("exported: 201"),
        re.escape("from the zip: {'worker': 2, 'score': 7} | finished: 200"),
    ],
    "ttl_example.py": [
        re.escape("live: [SafeStrTuple('alice'), SafeStrTuple('bob')] | len: 2"),
        re.escape("after 1.2 s: [SafeStrTuple('bob')] | alice: None"
                  " | 'alice' in sessions: False"),
        re.escape("alice re-added: {'token': 'a2'}"),
        re.escape("files before purge: 2 | purged: 2 | files after: 0"),
        re.escape("expires in about 0.5 s; kept expires: None"),
        re.escape("after 0.7 s: [SafeStrTuple('kept')] | len: 1"),
    ],
    "proxies.py": [
        re.escape("stored: Person(name='dennis', age=42, city='Bergen')"),
        re.escape("changes: [('age', 41, 42), ('city', 'Oslo', 'Bergen')]"),
        re.escape("after undo: Oslo | changes: 1"),
        re.escape("after redo: Bergen"),
        re.escape("dirty: True True"),
        re.escape("merged: Person(name='dennis', age=50, city='Tromso')"),
        re.escape("carol's past: ('age', 29, 30) | by this process: True"),
        re.escape("in Bergen: ['bob'] | bob: 26 | 'alice' in team: True"),
        re.escape("refused: this change would move the object from SafeStrTuple('bob') to"
                  " SafeStrTuple('robert')"),
    ],
    "cluster_jobs.py": [
        re.escape(f"{engine}: {line}") for engine in ("concurrent.futures", "dask") for line in (
            "12 results written once | first adds: 12 | re-run adds refused: 12"
            " | squares right: True",
            "done counter: 12 | ledger: 12 entries, every job once: True")
    ],
    "audit_queries.py": [
        re.escape("python: newest 3: runs/late-4, runs/late-3, runs/late-2"),
        re.escape("shell:  newest 3: runs/late-4, runs/late-3, runs/late-2"),
        f"written at: (?P<timestamp>{FLOAT}) \\| the shell says"
        r" \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z, same: True",
        r"python: 2005 items \| shell: 2005 items, \d+ bytes, newest runs/late-4",
    ],
    "urls_and_sync.py": [
        re.escape("results: FileDirDict json | scratch: LocalDict"),
        re.escape("url: file://~/results?file_type=json"),
        re.escape("first sync: copied 100 | skipped 0"),
        re.escape("dry run would copy [('run', '7')] and delete [('run', '8')]"),
        re.escape("second sync: copied 1 | skipped 98 | deleted 1"),
        re.escape("backup file: backup/run/7.json True"),
    ],
    "shared_config.py": [
        re.escape("service reloaded for: [('timeout',), ('banner',)]"),
        re.escape("watcher saw: ('timeout',) set 300"),
        re.escape("audit: ('retries',) set UNRECORDED -> 3 | by this process"),
        re.escape("audit: ('timeout',) set UNRECORDED -> 30 | by this process"),
        re.escape("audit: ('banner',) set UNRECORDED -> hello | by this process"),
        re.escape("audit: ('timeout',) set 30 -> 300 | by this process"),
        re.escape("audit: ('banner',) delete hello -> (none) | by this process"),
        re.escape("timeout after revert: 30"),
        re.escape("timeout history: [(300, 30), (30, 300), (UNRECORDED, 30)]"),
        re.escape("banner restored: hello"),
        re.escape("newest keys: [('banner',), ('timeout',)]"),
        re.escape("records pruned: 7"),
    ],
    "wrappers_example.py": [
        re.escape("dashboard: {'loss': 0.25} | cannot set ('run-1',): this dict is read-only"),
        re.escape("worker sees run-2: True | cannot list the keys: this dict is write-only"),
        re.escape("backup holds run-3: {'loss': 0.125} | runs counted: 1"),
        re.escape("failed replicas: 1 | primary has run-4: True"),
        rf"INFO get \('run-1',\) on file://\S+: {FLOAT} ms",
        r"bytes on disk: \d{2,3} \| read back: 100000",
    ],
    "cache_example.py": [
        re.escape("hit faster than miss: True | entries: 1"),
        re.escape("after another writer: [1, 2, 3]"),
        re.escape("write-once: released released | read from disk: 1 time"),
    ],
    "s3_example.py": [
        re.escape("object: s3://persidict-example/example/config/retries.json"),
        re.escape("runs: 50 | best: 0.49"),
        re.escape("jobs: 1 2"),
        re.escape("first add wins: True False alice"),
        re.escape("report: 53 items"),
        re.escape("config again: 3"),
    ],
    "safety_example.py": [
        re.escape("config: {'retries': 3, 'hosts': ['a', 'b']} | tagged is data: ['py/reduce']"),
        re.escape("refused: plain_json stores only dict (str keys), list, str, int, float, bool"
                  " and None; value['ids'] is a set"),
        re.escape("run-1: 0.031 | repr shows SigningKeys(<1 hidden>)"),
        re.escape("copied value refused: bad signature"),
        re.escape("unsigned value refused: not signed"),
    ],
}


def example_env(tmp_path: Path) -> dict[str, str]:
    """The examples' folders land in TMPDIR; PYTHONPATH makes them import this
    checkout's persidict, not whichever one is installed."""
    return {**os.environ, "TMPDIR": str(tmp_path),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_every_example_has_expected_output_and_imports_this_checkout(tmp_path: Path) -> None:
    assert sorted(EXPECTED) == [script.name for script in EXAMPLES]
    done = subprocess.run([sys.executable, "-c", "import persidict; print(persidict.__file__)"],
                          cwd=tmp_path, env=example_env(tmp_path), capture_output=True,
                          text=True, timeout=60, check=True)
    assert Path(done.stdout.strip()).parent == ROOT / "persidict"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_prints_what_it_claims(script: Path, tmp_path: Path) -> None:
    started = time.time()
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=example_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    expected = EXPECTED[script.name]
    for number, (line, pattern) in enumerate(zip(lines, expected, strict=False), start=1):
        found = re.fullmatch(pattern, line)
        assert found, f"line {number} of the output:\n{line}\ndoes not match\n{pattern}"
        if "timestamp" in found.groupdict():
            assert started - 1 <= float(found["timestamp"]) <= time.time() + 1
    assert len(lines) == len(expected), done.stdout
