"""Cluster jobs: many worker processes share one dict handle.

Each job writes its result once (``add``), counts itself (``incr``) and appends to
a ledger inside a lock-protected section (``d.lock``). The same jobs run first on
``concurrent.futures`` processes, then on Dask (``distributed.LocalCluster`` with
processes; ``pip install "dask[distributed]"``). The dict is handed to each task:
it pickles as its parameters, so every worker reopens the same folder (the same
works with an S3Dict shared by many machines).

Run: python examples/cluster_jobs.py
"""

import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor

from persidict import FileDirDict, PersiDict

JOBS = 12
WORKERS = 2


def run_job(d: PersiDict, job: int) -> tuple[bool, bool]:
    """One job: a result written once, a counter, a read-modify-write under a lock."""
    key = ("results", f"job-{job:02d}")
    first = d.add(key, {"job": job, "square": job * job, "worker_pid": os.getpid()})
    retried = d.add(key, {"job": job, "square": -1})  # a re-run task: refused, result kept
    d.incr(("stats", "done"))
    # Without the lock, two workers could read the same ledger and one append be lost.
    with d.lock(("ledger",), timeout=60):
        d["ledger"] = [*d.get("ledger", []), job]
    return first, retried


def check(engine: str, d: PersiDict, outcomes: list[tuple[bool, bool]]) -> None:
    results = d.get_subdict("results")
    squares_ok = all(results[f"job-{j:02d}"]["square"] == j * j for j in range(JOBS))
    print(f"{engine}: {len(results)} results written once"
          f" | first adds: {sum(first for first, _ in outcomes)}"
          f" | re-run adds refused: {sum(not again for _, again in outcomes)}"
          f" | squares right: {squares_ok}")
    ledger = d["ledger"]
    every_job_once = sorted(ledger) == list(range(JOBS))
    print(f"{engine}: done counter: {d['stats', 'done']}"
          f" | ledger: {len(ledger)} entries, every job once: {every_job_once}")
    assert len(results) == d["stats", "done"] == JOBS
    assert squares_ok
    assert every_job_once


def on_processes(d: PersiDict) -> None:
    with ProcessPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(run_job, [d] * JOBS, range(JOBS)))
    check("concurrent.futures", d, outcomes)


def on_dask(d: PersiDict) -> None:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        futures = client.map(run_job, [d] * JOBS, range(JOBS), pure=False)
        outcomes = client.gather(futures)
    check("dask", d, outcomes)


def main() -> None:
    base = tempfile.mkdtemp(prefix="persidict_cluster_")
    on_processes(FileDirDict(os.path.join(base, "futures"), file_type="json"))
    on_dask(FileDirDict(os.path.join(base, "dask"), file_type="json"))


if __name__ == "__main__":
    main()
