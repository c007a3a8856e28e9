"""The ``persidict`` command line, run as a real subprocess against a folder and
moto's HTTP S3 endpoint: exit statuses, ``--json`` output, stderr messages, and no
progress bar unless stderr is a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import new_bucket_name

ROOT = Path(__file__).parent.parent


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT),
                                                         os.environ.get("PYTHONPATH", "")])}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``persidict ARGS`` as users run it, output piped."""
    return subprocess.run([sys.executable, "-m", "persidict", *args], env=cli_env(),
                          capture_output=True, text=True, timeout=120)


def ok(*args: str) -> str:
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def failed(status: int, *args: str) -> str:
    """The one stderr line of a run that must fail with ``status``."""
    done = run(*args)
    assert done.returncode == status, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert lines[-1].startswith("persidict: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[-1]


def s3_client(endpoint: str) -> Any:
    import boto3
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture(params=["folder", "s3_http"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new store (folder, or a bucket on the HTTP S3 endpoint) in JSON."""
    if request.param == "folder":
        return f"file://{tmp_path / 'store'}?file_type=json"
    endpoint = request.getfixturevalue("s3_endpoint")
    return f"s3://{new_bucket_name()}/data?file_type=json&endpoint_url={endpoint}"


def test_set_get_ls_stats_rm_round_trip(url: str) -> None:
    assert ok("set", url, "runs/r1", "hello") == ""
    time.sleep(1.1)  # S3 times have 1 s resolution: r2 and cfg are newer than r1
    assert ok("set", "--json", url, "runs/r2", '{"loss": 0.5, "tags": ["a"]}') == ""
    ok("set", url, "cfg", "x")
    assert ok("get", url, "runs/r1") == "hello\n"
    assert ok("get", url, "runs/r2") == "{'loss': 0.5, 'tags': ['a']}\n"
    assert json.loads(ok("get", "--json", url, "runs/r2")) == {"loss": 0.5, "tags": ["a"]}
    assert ok("ls", url) == "cfg\nruns/r1\nruns/r2\n"
    assert ok("ls", url, "--prefix", "runs") == "runs/r1\nruns/r2\n"
    assert ok("ls", url, "--oldest", "1") == ok("ls", url, "--newest", "3").splitlines()[-1] + "\n"
    assert ok("ls", url, "--oldest", "1").endswith(" runs/r1\n")

    listed = json.loads(ok("ls", "--json", "--long", url))
    assert [row["key"] for row in listed] == ["cfg", "runs/r1", "runs/r2"]
    assert all(row["size"] > 0 and abs(row["timestamp"] - time.time()) < 60 for row in listed)
    assert all(row["time"].endswith("Z") for row in listed)
    long_lines = ok("ls", "-l", url).splitlines()
    assert [line.split()[-1] for line in long_lines] == ["cfg", "runs/r1", "runs/r2"]
    assert [int(line.split()[1]) for line in long_lines] == [row["size"] for row in listed]
    newest = json.loads(ok("--json", "ls", url, "--newest", "2"))
    assert {row["key"] for row in newest} == {"runs/r2", "cfg"}

    stats = json.loads(ok("stats", "--json", url))
    assert stats["count"] == 3
    assert stats["bytes"] == sum(row["size"] for row in listed)
    assert stats["oldest"]["key"] == "runs/r1"
    assert stats["newest"]["key"] in ("cfg", "runs/r2")
    shown = ok("stats", url, "--prefix", "runs").splitlines()
    assert shown[1:3] == ["prefix: runs", "items:  2"]

    assert ok("rm", url, "runs/r1", "cfg") == "deleted runs/r1\ndeleted cfg\n"
    assert ok("ls", url) == "runs/r2\n"
    assert json.loads(ok("rm", "--json", url, "runs/r2")) == {"deleted": ["runs/r2"],
                                                              "missing": []}
    assert json.loads(ok("stats", "--json", url))["count"] == 0


def test_missing_keys_fail_with_status_1_and_the_rest_is_done(url: str) -> None:
    ok("set", url, "a", "1")
    ok("set", url, "b", "2")
    assert "key zz not found in" in failed(1, "get", url, "zz")
    done = run("rm", url, "a", "zz", "b")
    assert done.returncode == 1
    assert done.stdout == "deleted a\ndeleted b\n"
    assert done.stderr.endswith("not found in " + done.stderr.split(" in ")[-1])
    assert ": zz\n" in done.stderr
    assert ok("ls", url) == ""


def test_bad_arguments_exit_2_and_write_nothing(url: str) -> None:
    ok("set", url, "keep", "1")
    assert "bad key 'a//b'" in failed(2, "set", url, "a//b", "x")
    assert "bad key 'a/../b'" in failed(2, "set", url, "a/../b", "x")
    assert "bad key 'sp ace'" in failed(2, "rm", url, "keep", "sp ace")
    assert "bad JSON value '{oops'" in failed(2, "set", "--json", url, "k", "{oops")
    assert "--newest / --oldest must be a positive count" in failed(2, "ls", url, "--newest", "0")
    assert ok("ls", url) == "keep\n"  # rm checked every key before deleting any


def test_usage_errors_are_argparse_status_2() -> None:
    for args in (["frobnicate"], ["ls"], ["ls", "x", "--newest", "1", "--oldest", "1"],
                 ["ls", "x", "--newest", "many"]):
        done = run(*args)
        assert done.returncode == 2, args
        assert " error: " in done.stderr.splitlines()[-1], args


def test_unknown_schemes_and_malformed_urls_are_usage_errors(tmp_path: Path) -> None:
    assert "unknown URL scheme 'ftp'" in failed(2, "ls", "ftp://host/x")
    assert "malformed URL 's3:bucket'" in failed(2, "set", "s3:bucket", "k", "v")
    assert "an s3 URL names a bucket" in failed(2, "set", "s3:///p", "k", "v")
    assert "file:///abs/path" in failed(2, "set", "file://relative/path", "k", "v")
    assert "unknown parameter 'colour'" in failed(2, "ls", f"file://{tmp_path}?colour=red")


def test_read_only_commands_never_create_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    for command in (["ls", str(missing)], ["get", str(missing), "k"],
                    ["stats", f"file://{missing}"], ["rm", str(missing), "k"]):
        assert f"no folder '{missing}'" in failed(1, *command)
    assert not missing.exists()


def test_read_only_commands_never_create_a_missing_bucket(s3_endpoint: str) -> None:
    bucket = new_bucket_name()
    url = f"s3://{bucket}/p?endpoint_url={s3_endpoint}"
    for command in (["ls", url], ["get", url, "k"], ["stats", url], ["rm", url, "k"]):
        assert f"no bucket '{bucket}'" in failed(1, *command)
    names = [b["Name"] for b in s3_client(s3_endpoint).list_buckets()["Buckets"]]
    assert bucket not in names


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = run("get", "--debug", str(tmp_path), "k")
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1] == f"persidict: error: key k not found in file://{tmp_path}"


def test_a_text_dict_refuses_a_json_object_with_a_message(tmp_path: Path) -> None:
    url = f"file://{tmp_path}?file_type=txt"
    assert "stores str values, not dict" in failed(1, "set", "--json", url, "k", '{"a": 1}')
    assert ok("ls", url) == ""


def _run_on_terminal(code: str) -> tuple[int, str, str]:
    """Run Python ``code`` with stderr on a pseudo-terminal; return status, stdout,
    and what the terminal showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], env=cli_env(),
                            stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    stdout = proc.stdout.read() if proc.stdout else ""
    status = proc.wait(timeout=60)
    os.close(leader)
    return status, stdout, shown.decode(errors="replace")


def _filled(tmp_path: Path, n: int = 300) -> str:
    from persidict import FileDirDict

    d = FileDirDict(tmp_path / "many")
    d.update({("k", str(i)): i for i in range(n)})
    return str(tmp_path / "many")


def test_a_terminal_gets_a_progress_bar_and_a_pipe_none(tmp_path: Path) -> None:
    store = _filled(tmp_path)
    code = f"import sys; from persidict.tools.cli import main; sys.exit(main(['stats', {store!r}]))"
    status, stdout, shown = _run_on_terminal(code)
    assert status == 0
    assert "items:  300" in stdout
    assert "counting" in shown
    assert "items/s" in shown
    piped = run("stats", store)
    assert piped.returncode == 0
    assert piped.stderr == ""
    assert "items:  300" in piped.stdout
    copy = code.replace("'stats', ", f"'copy', {store!r}, {str(tmp_path / 'copy')!r}")
    status, stdout, shown = _run_on_terminal(copy.replace(f"{store!r}]", "]"))
    assert status == 0
    assert stdout.startswith("copied 300 item(s)")
    assert "copying: 100%|" in shown  # copy knows its total: a percentage and an ETA
    status, _, shown = _run_on_terminal(code.replace("'stats',", "'stats', '--no-progress',"))
    assert status == 0
    assert shown == ""


def test_without_tqdm_the_command_line_works_with_no_bar(tmp_path: Path) -> None:
    store = _filled(tmp_path, 10)
    code = ("import sys; sys.modules['tqdm'] = None\n"
            "from persidict.tools.cli import main\n"
            f"sys.exit(main(['ls', '-l', {store!r}]))")
    status, stdout, shown = _run_on_terminal(code)
    assert status == 0
    assert len(stdout.splitlines()) == 10
    assert shown == ""


def test_copy_and_sync_a_folder_to_s3_and_back(tmp_path: Path, s3_endpoint: str) -> None:
    folder = f"file://{tmp_path / 'src'}?file_type=json"
    bucket = f"s3://{new_bucket_name()}/backup?file_type=json&endpoint_url={s3_endpoint}"
    for i in range(5):
        ok("set", "--json", folder, f"runs/r{i}", f'{{"loss": {i}}}')
    assert ok("copy", folder, bucket).startswith("copied 5 item(s) (")
    assert ok("ls", bucket) == "".join(f"runs/r{i}\n" for i in range(5))
    assert json.loads(ok("get", "--json", bucket, "runs/r3")) == {"loss": 3}

    report = json.loads(ok("sync", "--json", folder, bucket))
    assert report["copied"] == []
    assert sorted(report["skipped"]) == [f"runs/r{i}" for i in range(5)]
    assert report["src"].startswith("file://")
    assert report["dst"].startswith("s3://")

    ok("set", bucket, "stray", "x")
    ok("set", "--json", folder, "runs/r0", '{"loss": 99}')
    dry = ok("sync", "--delete", "--dry-run", folder, bucket)
    assert dry.splitlines() == ["would copy runs/r0", "would delete stray",
                                "dry run: would copy 1 and delete 1 item(s); nothing changed"]
    assert ok("get", bucket, "stray") == "x\n"
    done = json.loads(ok("sync", "--json", "--delete", folder, bucket))
    assert (done["copied"], done["deleted"], done["dry_run"]) == (["runs/r0"], ["stray"], False)
    assert "stray" not in ok("ls", bucket)
    assert json.loads(ok("get", "--json", bucket, "runs/r0")) == {"loss": 99}

    back = f"file://{tmp_path / 'back'}?file_type=json"
    assert ok("sync", bucket, back).startswith("copied 5 item(s)")
    assert ok("ls", back) == ok("ls", folder)


def test_copy_and_sync_refuse_bad_sources_and_targets(tmp_path: Path) -> None:
    src = tmp_path / "src"
    ok("set", str(src), "k", "v")
    assert "same store" in failed(2, "sync", str(src), str(src))
    assert "same store" in failed(2, "copy", str(src), f"file://{src}")
    missing = tmp_path / "missing"
    assert f"no folder '{missing}'" in failed(1, "copy", str(missing), str(tmp_path / "dst"))
    assert not missing.exists()
    assert not (tmp_path / "dst").exists()
    inside = src / "sub"
    assert "overlapping" in failed(2, "sync", str(src), str(inside))
    assert not inside.exists()  # the destination made for the sync is removed again
    assert "unknown parameter 'colour'" in failed(2, "copy", str(src), f"file://{src}2?colour=red")
    assert not (tmp_path / "src2").exists()


def test_history_and_changes(url: str) -> None:
    recorded = url + "&history=true"
    ok("set", recorded, "cfg/a", "1")
    ok("set", "--json", recorded, "cfg/a", '{"v": 2}')
    ok("rm", recorded, "cfg/a")
    ok("set", recorded, "cfg/b", "x")
    ok("set", url, "cfg/quiet", "not recorded")  # opened without history=true

    shown = ok("history", url, "cfg/a").splitlines()  # reading needs no history=true
    assert [line.split()[1] for line in shown] == ["delete", "set", "set"]
    assert [line.split(maxsplit=3)[3] for line in shown] == ["-", "{'v': 2}", "1"]
    assert all(re.fullmatch(r"[^@\s]+@[^:\s]+:\d+", line.split()[2]) for line in shown)
    found = json.loads(ok("history", "--json", url, "cfg/a", "--limit", "2"))
    assert [row["op"] for row in found] == ["delete", "set"]
    assert "new_value" not in found[0]
    assert found[0]["old_value"] == {"v": 2}
    assert (found[1]["new_value"], found[1]["old_value"]) == ({"v": 2}, "1")
    assert found[0]["who"]["pid"] != found[1]["who"]["pid"]  # each command its own process

    feed = ok("changes", url, "--since", "10m").splitlines()
    assert [line.split()[1:3] for line in feed] == [
        ["set", "cfg/a"], ["set", "cfg/a"], ["delete", "cfg/a"], ["set", "cfg/b"]]
    rows = json.loads(ok("changes", "--json", url, "--since", "1h", "--limit", "2"))
    assert [(row["key"], row["op"]) for row in rows] == [("cfg/a", "set"), ("cfg/a", "set")]
    assert all("new_value" not in row for row in rows)
    later = json.loads(ok("changes", "--json", url, "--since", rows[1]["time"]))
    assert len(later) == 3
    assert json.loads(ok("changes", "--json", url, "--until", "1h")) == []


def test_history_bad_arguments(tmp_path: Path) -> None:
    url = f"file://{tmp_path}?history=true"
    ok("set", url, "k", "v")
    assert "bad --since 'yesterday'" in failed(2, "changes", url, "--since", "yesterday")
    assert "is after --until" in failed(2, "changes", url, "--since", "1h", "--until", "2h")
    assert "--limit must be a positive count" in failed(2, "history", url, "k", "--limit", "0")
    assert "bad key 'a//b'" in failed(2, "history", url, "a//b")
    assert "parameter 'history'" in failed(2, "ls", f"file://{tmp_path}?history=maybe")


def test_sync_onto_its_own_subdict_on_s3_is_refused(s3_endpoint: str) -> None:
    bucket = f"s3://{new_bucket_name()}"
    ok("set", f"{bucket}/data?endpoint_url={s3_endpoint}", "k", "v")
    refused = failed(2, "sync", f"{bucket}/data?endpoint_url={s3_endpoint}",
                     f"{bucket}/data/k2?endpoint_url={s3_endpoint}")
    assert "overlapping" in refused
    assert ok("ls", f"{bucket}?endpoint_url={s3_endpoint}") == "data/k\n"


def test_a_reader_that_stops_early_ends_the_listing_quietly(tmp_path: Path) -> None:
    store = _filled(tmp_path, 3000)
    done = subprocess.run(f"{sys.executable} -m persidict ls {store} | head -n 1",
                          shell=True, env=cli_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.stdout == "k/0\n"
    assert done.stderr == ""


@pytest.mark.slow
def test_ctrl_c_during_sync_delete_leaves_items_copied_or_untouched(
        tmp_path: Path, s3_server: Any) -> None:
    from persidict import FileDirDict, S3Dict

    src = FileDirDict(tmp_path / "src", file_type="json")
    src.update({("k", f"{i:04d}"): {"n": i} for i in range(1500)})
    bucket = new_bucket_name()
    dst = S3Dict(bucket, base_dir=None, file_type="json", endpoint_url=s3_server.url)
    dst.update({("k", f"{i:04d}"): {"n": -i} for i in range(0, 1500, 7)})
    dst["stale"] = {"n": -1}
    url = f"s3://{bucket}?file_type=json&endpoint_url={s3_server.url}"
    s3_server.set_faults(latency=0.05)  # a copy pass of seconds, to interrupt inside
    try:
        served = s3_server.served()
        proc = subprocess.Popen([sys.executable, "-m", "persidict", "sync", "--delete",
                                 str(tmp_path / "src"), url], env=cli_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Interrupt once the copy pass is under way: well past the listing's requests.
        while s3_server.served() < served + 60 and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)  # as Ctrl-C does
        _, stderr = proc.communicate(timeout=120)
    finally:
        s3_server.set_faults(latency=0.0)
    assert proc.returncode == 130, stderr[-3000:]
    assert stderr.splitlines()[-1] == "persidict: error: interrupted"
    assert "stale" in dst  # no delete before an error-free, complete copy pass
    values = dict(dst.items())
    assert len(values) < 1501  # interrupted before the copy pass ended
    for key, value in values.items():
        if key.strings != ("stale",):
            assert value in ({"n": int(key[1])}, {"n": -int(key[1])})


def test_history_is_a_url_parameter_that_round_trips(tmp_path: Path) -> None:
    from persidict import open as open_url

    d = open_url(f"file://{tmp_path}?history=true&file_type=json")
    assert d.get_params()["history"] is True
    assert "history=true" in d.url
    assert open_url(d.url) == d


def test_an_unreachable_endpoint_is_one_line_and_status_1() -> None:
    line = failed(1, "ls", "s3://some-bucket/p?endpoint_url=http://127.0.0.1:9")
    assert "Could not connect to the endpoint URL" in line


def test_items_that_fail_to_copy_are_named_and_the_rest_is_copied(tmp_path: Path) -> None:
    src = f"file://{tmp_path / 'src'}?file_type=json"
    text = f"file://{tmp_path / 'text'}?file_type=txt"  # holds str values only
    ok("set", "--json", src, "k/a", '{"a": 1}')
    ok("set", src, "k/b", "plain")
    done = run("copy", "--json", src, text)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["copied"] == ["k/b"]
    assert list(report["failed"]) == ["k/a"]
    assert done.stderr.splitlines() == [
        "persidict: error: 1 item(s) failed: k/a (first error: TypeError:"
        " file_type 'txt' stores str values, not dict)"]
    assert ok("ls", text) == "k/b\n"
    shown = run("copy", src, text)
    assert shown.returncode == 1
    assert shown.stdout.startswith("copied 1 item(s), 1 failed from file://")
