"""SqliteStore's own behaviour: the file, its bad inputs, processes (forked and
spawned) sharing it, and listings that read only what they need. The mapping
behaviour runs in the shared suite (backend "sqlite")."""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import race_workers as rw
from test_races import Workers

from persidict import SqliteDict
from persidict.stores import MemoryStore, SqliteStore, Store

PROCESSES = 4


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_file_that_is_not_a_database_is_refused_unharmed(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"notes\.db.* is not a SQLite database"):
        SqliteDict(path)
    with pytest.raises(ValueError, match="is not a SQLite database"):
        SqliteStore(path)
    assert snapshot(tmp_path) == before  # no -wal / -shm file, the bytes untouched


def test_foreign_database_without_our_table_gets_it(tmp_path: Path) -> None:
    """Another program's SQLite file: our table is added, its tables are untouched."""
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
        conn.execute("INSERT INTO users VALUES (7)")
    d = SqliteDict(path)
    d["k"] = 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id FROM users").fetchall() == [(7,)]


def test_foreign_table_of_our_name_is_refused_unharmed(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (sku TEXT, price REAL)")
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"table 'items' that is not persidict's"):
        SqliteDict(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("path", [42, None, b"x.db"])
def test_path_of_the_wrong_type(path: Any) -> None:
    with pytest.raises(TypeError, match="path must be a path"):
        SqliteStore(path)


def test_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        SqliteDict(tmp_path)


def test_bad_arguments_create_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file_type"):
        SqliteDict(tmp_path / "new.db", file_type="no good")
    with pytest.raises(TypeError, match="root_prefix"):
        SqliteDict(tmp_path / "new.db", root_prefix=3)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_wal_mode_and_one_table(tmp_path: Path) -> None:
    SqliteDict(tmp_path / "x.db")["k"] = 1
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        (name,), = conn.execute("SELECT name FROM items").fetchall()
        assert name.startswith("k_")
        assert name.endswith(".pkl")


def test_prefix_listing_is_a_range_scan_of_the_name_index(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db").substore("a")
    store.write("b", b"1")
    conn = store._db.connection()
    plan = " ".join(str(row) for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT name FROM items WHERE name >= ? AND name < ?"
        " ORDER BY name LIMIT 1000", ("a/", "a0")))
    assert "USING" in plan, plan
    assert "INDEX" in plan, plan
    assert "SCAN items" not in plan, plan


def test_names_written_around_the_store_are_read_through_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db")
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("INSERT INTO items VALUES ('a/b.pkl', 1.5, 'e1', 3, x'010203')")
    assert store.read_with_info("a/b.pkl") == (b"\x01\x02\x03",
                                               store.stat("a/b.pkl"))
    assert store.stat("a/b.pkl").mtime == 1.5
    assert store.substore("a").read("b.pkl") == b"\x01\x02\x03"


def test_etag_changes_on_every_write_and_conditions_use_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db")
    first = store.write("k", b"same")
    second = store.write("k", b"same")
    assert first != second
    assert not store.replace("k", b"new", first)
    assert not store.delete_if("k", first)
    assert store.read_if_changed("k", second) is None  # unchanged: no bytes sent
    assert store.replace("k", b"new", second)
    data, info = store.read_if_changed("k", second)  # type: ignore[misc]
    assert data == b"new"
    assert info.etag == store.stat("k").etag
    assert store.delete_if("k", info.etag)
    with pytest.raises(KeyError):
        store.read_if_changed("k", info.etag)


def test_listings_agree_with_the_default_implementations(tmp_path: Path) -> None:
    """folder_entries and dirs seek past subfolders; the base class lists every
    name. Both must give the same answers."""
    store, memory = SqliteStore(tmp_path / "x.db"), MemoryStore()
    names = ["a.pkl", "a/x.pkl", "a/y/z.pkl", "a#index/n", "b/#index/e", "b/c.pkl",
             "b0.pkl", "b/d/e.pkl", "c(1)/f.pkl", "c/f.pkl", "c-/g.pkl", "z.pkl"]
    names += [f"m/{i:04}.pkl" for i in range(2500)]  # more than one listing chunk
    store.write_many((n, b"v") for n in names)
    memory.write_many((n, b"v") for n in names)
    for folder in ["", "b", "m", "nothing"]:
        for starts_with, after in [("", ""), ("b", ""), ("", "b/"), ("c", "c("), ("0", "")]:
            ours = [e for chunk, _ in store.folder_entries(folder, starts_with=starts_with,
                                                           after=after) for e in chunk]
            base = [e for chunk, _ in Store.folder_entries(memory, folder,
                                                           starts_with=starts_with,
                                                           after=after) for e in chunk]
            assert ours == base, (folder, starts_with, after)
    assert sorted(store.dirs()) == sorted(memory.dirs())
    assert sorted(store.names(".pkl")) == sorted(memory.names(".pkl"))
    assert sorted(store.substore("b").names()) == sorted(memory.substore("b").names())
    mtimes = {f"{f}/{leaf}".lstrip("/"): t
              for f, leaves, times in store.mtimes_by_folder() for leaf, t in zip(
                  leaves, times, strict=True)}
    assert mtimes == {i.name: i.mtime for i in store.infos()}
    assert len(mtimes) == len(names)


def test_batches_run_in_one_transaction(tmp_path: Path) -> None:
    """A batch that fails half way (a name too long for no reason but a bad row)
    writes nothing: it is one transaction."""
    store = SqliteStore(tmp_path / "x.db")
    store.write("a", b"old")
    assert store.create_many([("a", b"x"), ("b", b"y")]) == ["a"]
    with pytest.raises(TypeError):
        store.write_many([("c", b"1"), ("d", None)])  # type: ignore[list-item]
    assert sorted(store.names()) == ["a", "b"]
    store.delete_many(["a", "missing"])
    assert list(store.names()) == ["b"]


def test_store_pickles_and_reopens(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db").substore("p")
    store.write("k", b"v")
    twin = pickle.loads(pickle.dumps(store))
    assert twin == store
    assert twin.read("k") == b"v"
    assert twin.prefix == "p/"


def test_threads_each_use_their_own_connection(tmp_path: Path) -> None:
    d = SqliteDict(tmp_path / "x.db")
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(200):
                d.incr("n")
            d[f"t{i}"] = i
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert d["n"] == 800
    assert len(d) == 5


def forked_incr(d: SqliteDict, n: int, out: Any) -> None:
    out.put(rw.incr_many(0, d, "hits", n))


@pytest.mark.slow
@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_incr_is_exact_across_processes(tmp_path: Path, start: str) -> None:
    """4 processes x 300 increments of one counter end at exactly 1,200, each
    count produced once. Forked children get the parent's dict, whose connection
    the parent has used: each must open its own (SQLite forbids sharing one
    across a fork)."""
    if start not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start} here")
    n = 300
    d = SqliteDict(tmp_path / "x.db")
    d["hits"] = 0
    if start == "spawn":
        produced = Workers(rw.incr_many, [(d, "hits", n)] * PROCESSES).outcomes()
    else:
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        procs = [ctx.Process(target=forked_incr, args=(d, n, out)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        produced = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
    assert d["hits"] == PROCESSES * n
    assert sorted(v for got in produced for v in got) == list(range(1, PROCESSES * n + 1))


@pytest.mark.slow
def test_lock_excludes_other_processes(tmp_path: Path) -> None:
    """4 processes x 100 critical sections, each a plain read then write of one
    counter under ``lock``: no update lost."""
    d = SqliteDict(tmp_path / "x.db")
    Workers(rw.locked_increments, [(d, "guard", 100)] * PROCESSES).outcomes()
    assert d["counter"] == PROCESSES * 100


def test_lock_times_out(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db")
    other = SqliteStore(tmp_path / "x.db")
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    with store.lock("k"):
        p = ctx.Process(target=_try_lock, args=(other, q))
        p.start()
        p.join(60)
    assert isinstance(q.get(timeout=5), TimeoutError)
    with other.lock("k", timeout=1):  # released
        pass


def _try_lock(store: SqliteStore, q: Any) -> None:
    try:
        with store.lock("k", timeout=0.2):
            q.put(AssertionError("got a lock another process holds"))
    except TimeoutError as e:
        q.put(TimeoutError(str(e)))


def test_names_by_time_walks_the_time_index(tmp_path: Path) -> None:
    """Newest (or oldest) first, across chunks, in a substore too; ties by name."""
    store = SqliteStore(tmp_path / "x.db")
    names = [f"{'ab'[i % 2]}/n{i:04}.pkl" for i in range(1500)] + ["top.pkl", "b/other.txt"]
    store.write_many((n, b"v") for n in names)  # one transaction: many equal mtimes
    for i in range(0, 1500, 7):
        store.write(names[i], b"again")
    for where, suffix in [(store, ""), (store, ".pkl"), (store.substore("a"), ".pkl")]:
        infos = [(i.mtime, i.name) for i in where.infos(suffix)]
        newest = [(t, n) for n, t in where.names_by_time(suffix)]
        oldest = [(t, n) for n, t in where.names_by_time(suffix, newest=False)]
        assert newest == sorted(infos, reverse=True)
        assert oldest == sorted(infos)
    conn = store._db.connection()
    plan = str(conn.execute("EXPLAIN QUERY PLAN SELECT name, mtime FROM items WHERE 1"
                            " ORDER BY mtime DESC, name DESC LIMIT 16").fetchall())
    assert "items_by_time" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order


def test_newest_keys_reads_only_the_newest_rows(tmp_path: Path) -> None:
    d = SqliteDict(tmp_path / "x.db")
    for i in range(50):
        d[f"k{i:02}"] = i
    d.store.write("not a key's name", b"")  # skipped, not counted
    assert d.newest_keys(3) == ["k49", "k48", "k47"]
    assert d.oldest_keys(2) == ["k00", "k01"]
    assert d.newest_keys() == [f"k{i:02}" for i in reversed(range(50))]
