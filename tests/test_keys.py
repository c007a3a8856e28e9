"""The key layer: SafeStrTuple, the safe alphabet, digest suffixes (pure, no I/O)."""

from __future__ import annotations

import base64
import hashlib
import pickle
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persidict import SAFE_CHARS_SET as ROOT_SAFE_CHARS_SET
from persidict import SafeStrTuple as RootSafeStrTuple
from persidict.safe_chars import SAFE_CHARS_SET, get_safe_chars, replace_unsafe_chars
from persidict.safe_str_tuple import SafeStrTuple
from persidict.safe_str_tuple_signing import sign_safe_str_tuple, unsign_safe_str_tuple

SAFE = string.ascii_letters + string.digits + "()_-~.="
components = st.text(alphabet=SAFE, min_size=1, max_size=30).filter(lambda s: s not in (".", ".."))
keys = st.lists(components, min_size=1, max_size=5).map(tuple)


def expected_signed(component: str, digest_len: int) -> str:
    """DESIGN.md §5, computed here without the package."""
    if digest_len == 0:
        return component
    digest = base64.b32encode(hashlib.md5(component.encode()).digest()).decode().lower()
    return component + "_" + digest[:digest_len]


# --- safe characters


def test_safe_chars_are_exactly_the_documented_alphabet() -> None:
    assert get_safe_chars() == set(SAFE)
    assert set(SAFE_CHARS_SET) == set(SAFE)
    assert ROOT_SAFE_CHARS_SET is SAFE_CHARS_SET
    assert RootSafeStrTuple is SafeStrTuple


def test_get_safe_chars_returns_a_copy() -> None:
    chars = get_safe_chars()
    chars.add("/")
    assert "/" not in get_safe_chars()


def test_replace_unsafe_chars() -> None:
    assert replace_unsafe_chars("a b/c:d", "_") == "a_b_c_d"
    assert replace_unsafe_chars("ok.name-(1)~=", "_") == "ok.name-(1)~="
    assert replace_unsafe_chars("ü/", "") == ""
    assert replace_unsafe_chars("a b", "--") == "a--b"


@pytest.mark.parametrize("args", [(1, "_"), ("a", None), (b"a", "_")])
def test_replace_unsafe_chars_rejects_non_str(args: tuple) -> None:
    with pytest.raises(TypeError):
        replace_unsafe_chars(*args)


@given(st.text(max_size=40))
def test_replace_unsafe_chars_output_is_always_safe(text: str) -> None:
    out = replace_unsafe_chars(text, "_")
    assert len(out) == len(text)
    assert set(out) <= set(SAFE)


# --- SafeStrTuple construction and equality


def test_from_str_and_flat_and_nested_sequences() -> None:
    expected = ("a", "b", "c")
    assert SafeStrTuple("a").strings == ("a",)
    assert SafeStrTuple("a", "b", "c") == expected
    assert SafeStrTuple(["a", "b", "c"]) == expected
    assert SafeStrTuple(("a", ["b", ("c",)])) == expected
    assert SafeStrTuple(["a"], SafeStrTuple("b", "c")) == expected
    assert SafeStrTuple(x for x in "abc") == expected


def test_from_another_safe_str_tuple() -> None:
    k = SafeStrTuple("a", "b")
    assert SafeStrTuple(k) == k
    assert type(SafeStrTuple(k)) is SafeStrTuple
    assert SafeStrTuple(k, k) == ("a", "b", "a", "b")


def test_equal_to_plain_tuple_and_one_part_to_str() -> None:
    assert SafeStrTuple("a", "b") == ("a", "b")
    assert ("a", "b") == SafeStrTuple("a", "b")  # noqa: SIM300
    assert SafeStrTuple("a") == "a"
    assert "a" == SafeStrTuple("a")  # noqa: SIM300 - the reflected comparison is the point
    assert SafeStrTuple("a", "b") != "a"
    assert SafeStrTuple("a", "b") != "ab"
    assert SafeStrTuple("a") != "b"
    assert SafeStrTuple("a", "b") != ("a",)
    assert SafeStrTuple("a") != ["a"]  # a list is not a tuple
    assert SafeStrTuple("a") != ("a",)  # a one-part key is its str, not the 1-tuple


def test_hash_matches_plain_tuple() -> None:
    k = SafeStrTuple("a", "b")
    assert hash(k) == hash(("a", "b"))
    assert {k: 1}[("a", "b")] == 1
    assert len({k, ("a", "b"), SafeStrTuple(["a", "b"])}) == 1


def test_one_part_key_is_its_str_in_sets_and_dicts() -> None:
    k = SafeStrTuple("a")
    assert hash(k) == hash("a")
    assert {k} == {"a"}
    assert "a" in {k}
    assert k in {"a"}
    assert {k: 1}["a"] == 1
    assert {"a": 1}[k] == 1
    assert len({k, "a", SafeStrTuple(["a"])}) == 1


def test_one_part_key_is_not_the_one_tuple() -> None:
    # nothing can hash as both "a" and ("a",), so equal to one means unequal to the other
    k = SafeStrTuple("a")
    assert not k == ("a",)  # noqa: SIM201 - the operator itself is tested
    assert not ("a",) == k  # noqa: SIM201, SIM300
    assert k != ("a",)
    assert ("a",) != k  # noqa: SIM300
    assert k.strings == ("a",)
    assert SafeStrTuple(("a",)) == SafeStrTuple("a")


def test_ordering_is_tuple_ordering() -> None:
    keys = [SafeStrTuple("b"), SafeStrTuple("a", "z"), SafeStrTuple("a"), SafeStrTuple("a", "b")]
    assert [k.strings for k in sorted(keys)] == [("a",), ("a", "b"), ("a", "z"), ("b",)]
    assert SafeStrTuple("a") < ("b",)
    assert ("a", "b") < SafeStrTuple("a", "c")  # noqa: SIM300
    assert SafeStrTuple("a") <= SafeStrTuple("a")


class SubKey(SafeStrTuple):
    """A subclass that keeps SafeStrTuple's equality and hash."""

    __slots__ = ()


def _forms(parts: tuple[str, ...]) -> list[object]:
    """Everything a user may compare a key with: the key, a subclass, the plain tuple,
    the str of a one-part key, and a list (never equal)."""
    forms: list[object] = [SafeStrTuple(parts), SubKey(parts), parts, list(parts)]
    if len(parts) == 1:
        forms.append(parts[0])
    return forms


def _identity(x: object) -> object:
    """What a form is equal to, by the documented rule: a one-part key is its str,
    a longer one its plain tuple."""
    if isinstance(x, SafeStrTuple):
        return x[0] if len(x) == 1 else x.strings
    return ("list", tuple(x)) if isinstance(x, list) else x


short_keys = st.lists(st.sampled_from(["a", "b", "A"]), min_size=1, max_size=3).map(tuple)


@given(short_keys, short_keys)
def test_eq_ne_and_hash_agree_both_ways_round(left: tuple[str, ...],
                                              right: tuple[str, ...]) -> None:
    for x in _forms(left):
        for y in _forms(right):
            if not isinstance(x, SafeStrTuple) and not isinstance(y, SafeStrTuple):
                continue
            equal = _identity(x) == _identity(y)
            assert (x == y) is equal, (x, y)
            assert (y == x) is equal, (y, x)
            assert (x != y) is not equal, (x, y)
            assert (y != x) is not equal, (y, x)
            if equal:
                assert hash(x) == hash(y), (x, y)


def test_strings_is_the_plain_tuple() -> None:
    k = SafeStrTuple("a", ["b"])
    assert k.strings == ("a", "b")
    assert type(k.strings) is tuple


def test_repr_round_trips() -> None:
    k = SafeStrTuple("a", "b.c", "x=1")
    assert repr(k) == "SafeStrTuple('a', 'b.c', 'x=1')"
    assert eval(repr(k), {"SafeStrTuple": SafeStrTuple}) == k


def test_is_immutable() -> None:
    k = SafeStrTuple("a", "b")
    with pytest.raises(TypeError):
        k[0] = "z"  # type: ignore[index]
    with pytest.raises(AttributeError):
        k.extra = 1  # type: ignore[attr-defined]


# --- tuple operations


def test_add_and_radd_give_safe_str_tuples() -> None:
    k = SafeStrTuple("a", "b")
    assert k + "c" == ("a", "b", "c")
    # concatenation is what is tested here
    assert k + ("c", "d") == ("a", "b", "c", "d")  # noqa: RUF005
    assert k + SafeStrTuple("z") == ("a", "b", "z")
    assert "z" + k == ("z", "a", "b")
    assert ("y", "z") + k == ("y", "z", "a", "b")  # noqa: RUF005
    assert ["y"] + k == ("y", "a", "b")  # noqa: RUF005
    for result in (k + "c", "z" + k, ("y",) + k):  # noqa: RUF005
        assert type(result) is SafeStrTuple


def test_add_validates_the_other_side() -> None:
    k = SafeStrTuple("a")
    with pytest.raises(ValueError, match="unsafe"):
        k + "b/c"
    with pytest.raises(ValueError, match="not allowed"):
        ".." + k
    with pytest.raises(TypeError):
        k + 5


def test_reversed_indexing_slicing_count_len_iteration() -> None:
    k = SafeStrTuple("a", "b", "c", "a")
    rev = reversed(k)
    assert type(rev) is SafeStrTuple
    assert rev == ("a", "c", "b", "a")
    assert (k[0], k[-1], k[2]) == ("a", "a", "c")
    assert k[1:3] == ("b", "c")
    assert k[::-1] == ("a", "c", "b", "a")
    with pytest.raises(IndexError):
        k[4]
    assert (k.count("a"), k.count("z")) == (2, 0)
    assert k.index("c") == 2
    assert "b" in k
    assert "z" not in k
    assert len(k) == 4
    assert list(k) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickles(protocol: int) -> None:
    k = SafeStrTuple("a", "b")
    back = pickle.loads(pickle.dumps(k, protocol=protocol))
    assert back == k
    assert type(back) is SafeStrTuple


@given(keys)
def test_any_safe_sequence_round_trips(parts: tuple[str, ...]) -> None:
    k = SafeStrTuple(parts)
    plain = parts[0] if len(parts) == 1 else parts
    assert k == plain
    assert k.strings == parts
    assert hash(k) == hash(plain)
    assert SafeStrTuple(*parts) == k
    assert pickle.loads(pickle.dumps(k)) == k


# --- rejected keys

BAD_VALUES = [
    "", "a/b", "a b", "a\\b", "ü", "a\x00", "a#b", "a:b", "*", ".", "..", "x" * 254,
    (), [], ("a", ""), ("a", ".."), ("a", "b/c"),
]
class Opaque:
    """An object of no known kind, with a repr that names tests the same in every run."""

    def __repr__(self) -> str:
        return "Opaque()"


BAD_TYPES = [None, 1, 1.5, b"abc", bytearray(b"abc"), {"a": 1}, ("a", 1), ["a", None],
             ("a", b"b"), ("a", {"b": "c"}), Opaque()]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_bad_content_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any message naming the problem
        SafeStrTuple(bad)


@pytest.mark.parametrize("bad", BAD_TYPES, ids=repr)
def test_bad_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        SafeStrTuple(bad)


def test_longest_component_is_accepted() -> None:
    assert SafeStrTuple("x" * 253).strings == ("x" * 253,)


def test_error_names_the_problem() -> None:
    with pytest.raises(ValueError, match="unsafe"):
        SafeStrTuple("a/b")
    with pytest.raises(ValueError, match=r"'\.\.'"):
        SafeStrTuple("a", "..")
    with pytest.raises(TypeError, match="int"):
        SafeStrTuple("a", 1)


def test_dots_inside_a_component_are_fine() -> None:
    assert SafeStrTuple("...", ".a", "a.", "a..b") == ("...", ".a", "a.", "a..b")


# --- digest suffixes


@pytest.mark.parametrize("digest_len", [1, 4, 8, 26])
def test_sign_adds_the_documented_suffix(digest_len: int) -> None:
    k = SafeStrTuple("alpha", "Case", "odd.name-with_chars(1)~=")
    signed = sign_safe_str_tuple(k, digest_len)
    assert type(signed) is SafeStrTuple
    assert signed == tuple(expected_signed(c, digest_len) for c in k)


def test_sign_matches_seed_file_names() -> None:
    assert sign_safe_str_tuple("alpha", 8).strings == ("alpha_fqluhi4r",)
    assert sign_safe_str_tuple(("Case", "case"), 4) == ("Case_bam6", "case_zukm")


@given(keys, st.integers(min_value=0, max_value=26))
def test_sign_unsign_are_inverse_and_idempotent(parts: tuple[str, ...], n: int) -> None:
    signed = sign_safe_str_tuple(parts, n)
    assert signed.strings == tuple(expected_signed(c, n) for c in parts)
    assert sign_safe_str_tuple(signed, n) == signed
    assert unsign_safe_str_tuple(signed, n).strings == parts
    assert unsign_safe_str_tuple(unsign_safe_str_tuple(signed, n), n).strings == parts


def test_zero_digest_is_the_identity() -> None:
    k = SafeStrTuple("a", "B_c")
    assert sign_safe_str_tuple(k, 0) == k
    assert unsign_safe_str_tuple(k, 0) == k


def test_unsign_leaves_unsigned_components_alone() -> None:
    assert unsign_safe_str_tuple(("plain", "a_bcdefghi"), 8) == ("plain", "a_bcdefghi")


def test_keys_differing_in_case_get_different_suffixes() -> None:
    upper, lower = sign_safe_str_tuple("Case", 8)[0], sign_safe_str_tuple("case", 8)[0]
    assert upper.lower() != lower.lower()


@pytest.mark.parametrize("fn", [sign_safe_str_tuple, unsign_safe_str_tuple])
def test_sign_validates_arguments(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="digest_len"):
        fn("a", -1)
    for bad_len in ("4", 4.0, None, True):
        with pytest.raises(TypeError):
            fn("a", bad_len)
    with pytest.raises(ValueError, match="unsafe"):
        fn("a/b", 4)
    with pytest.raises(TypeError):
        fn(b"a", 4)


class NeverEqual(SafeStrTuple):
    """A subclass with its own ``__eq__``: it decides on either side."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = SafeStrTuple.__hash__


@pytest.mark.parametrize("parts", [("a",), ("a", "b")])
def test_a_subclass_own_eq_decides_on_either_side(parts: tuple[str, ...]) -> None:
    odd = NeverEqual(parts)
    for plain in (SafeStrTuple(parts), parts, parts[0]):
        assert not plain == odd  # noqa: SIM201 - the operator itself is tested
        assert not odd == plain  # noqa: SIM201
        assert plain != odd
        assert odd != plain
    sibling = SubKey(parts)  # not a subclass of NeverEqual, so Python asks it first
    assert not sibling == odd  # noqa: SIM201
    assert not odd == sibling  # noqa: SIM201
    assert sibling != odd
    assert odd != sibling
    assert hash(odd) == hash(SafeStrTuple(parts))  # it kept the hash rule it inherited
