"""Code written for the earlier releases (0.36, 0.309) keeps working: key equality in
sets and dicts, the shapes and names of their API, and generics for type checkers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import typing
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

import persidict
from persidict import (
    DELETE_CURRENT,
    KEEP_CURRENT,
    FileDirDict,
    LocalDict,
    PersiDict,
    S3Dict,
    SafeStrTuple,
    WriteOnceDict,
)

# --- keys of a dict in sets and dicts (a one-part key is its str, a longer one its tuple)


def test_keys_view_equals_the_set_of_str_and_tuples(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b", "c"] = 2
    assert pdict.keys() == {"a", ("b", "c")}
    assert "a" in set(pdict)
    assert ("b", "c") in set(pdict)
    items = dict(pdict.items())
    assert items["a"] == 1
    assert items["b", "c"] == 2
    assert set(pdict) - {"a"} == {("b", "c")}


def test_one_part_key_of_a_dict_is_not_the_one_tuple(pdict: PersiDict) -> None:
    pdict["a"] = 1
    (key,) = list(pdict)
    assert key == "a"
    assert key != ("a",)
    assert key.strings == ("a",)
    assert pdict["a"] == pdict[("a",)] == pdict[key] == 1  # any form still finds the item


# --- the earlier releases' shapes


def test_items_and_timestamps_yields_triples(pdict: PersiDict) -> None:
    pdict["a"] = 1
    pdict["b", "c"] = 2
    seen = {}
    for key, value, stamp in pdict.items_and_timestamps():
        assert type(key) is SafeStrTuple
        assert stamp == pdict.timestamp(key)
        seen[key] = value
    assert seen == {"a": 1, ("b", "c"): 2}
    assert sorted(pdict.values_and_timestamps()) == sorted(
        (pdict[k], pdict.timestamp(k)) for k in pdict)


def test_str_shows_the_items_and_repr_the_parameters(pdict: PersiDict) -> None:
    pdict["a"] = 1
    assert str(pdict) == str(dict(pdict.items())) == "{SafeStrTuple('a'): 1}"
    assert repr(pdict).startswith(type(pdict).__name__ + "(")
    assert f"file_type={pdict.file_type!r}" in repr(pdict)
    assert "SafeStrTuple('a')" not in repr(pdict)


def test_discard_is_delete_if_exists(make_dict: Callable[..., PersiDict]) -> None:
    d = make_dict()
    d["a"] = 1
    d["b", "c"] = 2
    assert d.discard("a") is True
    assert d.discard("a") is False
    assert d.discard(("no", "such")) is False
    assert list(d) == [("b", "c")]
    once = make_dict("once", immutable_items=True)
    once["x"] = 1
    with pytest.raises(KeyError):
        once.discard("x")
    with pytest.raises(KeyError):
        WriteOnceDict(once).discard("x")  # a wrapper forwards it as delete_if_exists


def test_key_type_aliases_are_exported() -> None:
    from persidict import NonEmptyPersiDictKey, PersiDictKey
    from persidict.persi_dict import NonEmptyPersiDictKey as Inner
    from persidict.persi_dict import PersiDictKey as InnerKey

    assert (InnerKey, Inner) == (PersiDictKey, NonEmptyPersiDictKey)
    for alias in (PersiDictKey, NonEmptyPersiDictKey):
        assert {SafeStrTuple, str} <= set(typing.get_args(alias))
    assert {"PersiDictKey", "NonEmptyPersiDictKey", "__version__"} <= set(persidict.__all__)


def test_joker_aliases_are_the_singletons(pdict: PersiDict) -> None:
    from persidict.jokers import DeleteCurrent, DeleteCurrentFlag, KeepCurrent, KeepCurrentFlag

    assert KeepCurrent is KeepCurrentFlag() is KEEP_CURRENT
    assert DeleteCurrent is DeleteCurrentFlag() is DELETE_CURRENT
    pdict["a"] = 1
    pdict["a"] = KeepCurrent
    assert pdict["a"] == 1
    pdict["a"] = DeleteCurrent
    assert "a" not in pdict


def test_version_comes_from_the_installed_metadata() -> None:
    from persidict._version import _read_version

    assert persidict.__version__ == metadata.version("persidict")
    assert _read_version("persidict-no-such-distribution") == "0+unknown"


def test_public_safe_chars_set_is_a_set_that_changes_nothing() -> None:
    from persidict import safe_chars

    public = safe_chars.SAFE_CHARS_SET
    assert type(public) is set
    saved = set(public)
    try:
        public.add("/")
        public.discard("a")
        with pytest.raises(ValueError, match="unsafe"):
            SafeStrTuple("a/b")
        assert SafeStrTuple("a") == "a"
        assert safe_chars.replace_unsafe_chars("a/b", "_") == "a_b"
        assert "/" not in safe_chars.get_safe_chars()
        assert "a" in safe_chars.get_safe_chars()
    finally:
        public.clear()
        public.update(saved)


# --- generics


def test_dict_classes_are_runtime_generics() -> None:
    for cls in (PersiDict, FileDirDict, S3Dict, LocalDict):
        alias = cls[int]
        assert typing.get_origin(alias) is cls
        assert typing.get_args(alias) == (int,)
        assert len(cls.__parameters__) == 1  # type: ignore[attr-defined]
        with pytest.raises(TypeError):
            cls[int, str]  # type: ignore[misc]
    d = LocalDict[int]()  # a subscripted class still builds its dict
    d["a"] = 1
    assert type(d) is LocalDict
    assert d == {"a": 1}


def test_mypy_sees_the_value_type(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    source = tmp_path / "typed_use.py"
    source.write_text(textwrap.dedent("""
        from persidict import FileDirDict, LocalDict, PersiDict, S3Dict

        class Config:
            pass

        d: FileDirDict[int] = FileDirDict("somewhere")
        reveal_type(d["k"])
        reveal_type(d.get("k"))
        m: LocalDict[str] = LocalDict(file_type="txt")
        reveal_type(m["k"])
        for key, value, stamp in m.items_and_timestamps():
            reveal_type(value)

        def use(p: PersiDict[float], s: S3Dict[Config]) -> None:
            reveal_type(p["a", "b"])
            reveal_type(s["c"])

        d["k"] = "not an int"
    """))
    package_root = Path(persidict.__file__).parent.parent  # the persidict under test
    env = {**os.environ, "MYPYPATH": str(package_root)}
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull,
         "--follow-imports=silent", "--ignore-missing-imports", "--no-error-summary",
         "--config-file", os.devnull, source.name],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    revealed = [line.split("Revealed type is ", 1)[1].replace("builtins.", "")
                for line in out.stdout.splitlines() if "Revealed type is" in line]
    assert revealed == ['"int"', '"int | None"', '"str"', '"str"', '"float"',
                        '"typed_use.Config"'], out.stdout
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    bad_line = source.read_text().splitlines().index('d["k"] = "not an int"') + 1
    assert len(errors) == 1, out.stdout
    assert errors[0].startswith(f"typed_use.py:{bad_line}: error: Incompatible types"), out.stdout


def test_readme_example_for_0_309_users_runs() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Coming from persidict 0.309", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, typing.Any] = {}
    exec(compile(code, "README.md", "exec"), scope)
    d = scope["d"]
    assert d["cfg"] == {"retries": 5}
    assert "owner" not in d
    assert "hits" not in d
