"""SigningStore: every value written carries an HMAC-SHA256 of its name and bytes, and
every value read is checked against it before anyone above the store sees a byte.

A signed value is ``MAGIC + HMAC-SHA256(key, signed name + NUL + payload) + payload``.
The signed name is the item's name from the dict's root (a subdict's store adds its
prefix) with the digest suffixes of its parts removed, so a value verifies under
the same key on a folder and on S3, and nowhere else: bytes copied to another key
fail. Values written without a key (by this release or an earlier one) lack the
magic and are refused as unsigned; ``MAGIC`` starts with ``0xFE``, which neither a
pickle frame, JSON, UTF-8 text nor a TTL header starts with.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..errors import SignatureError
from ..safe_str_tuple_signing import unsign_component
from ._base import ItemInfo, Store
from ._forwarding import ForwardingStore

MAGIC = b"\xfePDS1"
_MAC_LEN = 32
_HEAD = len(MAGIC) + _MAC_LEN


class SigningKeys:
    """The HMAC keys of a dict: the first signs, every one verifies (for rotation).

    ``prefix`` is the folder of a subdict's items from the signed dict's root (what
    a subdict's ``get_params()`` carries, so that reopening it verifies the same
    items). Its ``repr`` shows how many keys there are, never the keys; it pickles
    with the keys (a worker reopening a pickled dict needs them).

    >>> SigningKeys([b"new secret", b"old secret"])
    SigningKeys(<2 hidden>)

    Raises:
        TypeError: for a key that is not ``bytes``, or a list holding one.
        ValueError: for an empty key or an empty list.
    """

    __slots__ = ("_keys", "_pads", "prefix")

    def __init__(self, signing_key: bytes | Sequence[bytes], prefix: str = "") -> None:
        if isinstance(signing_key, (list, tuple)):
            keys = tuple(signing_key)
            if not keys:
                raise ValueError("signing_key is an empty list: give at least one key")
            for i, key in enumerate(keys):
                _check_key(key, f"signing_key[{i}]")
        else:
            _check_key(signing_key, "signing_key")
            keys = (signing_key,)  # type: ignore[assignment]
        if not isinstance(prefix, str) or (prefix and not prefix.endswith("/")):
            raise ValueError(f"signing_key prefix must be '' or end with '/', not {prefix!r}")
        self._keys: tuple[bytes, ...] = keys
        self._pads = [_pads(key) for key in keys]
        self.prefix = prefix

    def under(self, folder: str) -> SigningKeys:
        """These keys for the items of a subfolder (a subdict's)."""
        twin = object.__new__(SigningKeys)
        twin._keys, twin._pads, twin.prefix = self._keys, self._pads, self.prefix + folder + "/"
        return twin

    def __repr__(self) -> str:
        under = f", prefix={self.prefix!r}" if self.prefix else ""
        return f"SigningKeys(<{len(self._keys)} hidden>{under})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKeys) or len(other._keys) != len(self._keys) \
                or other.prefix != self.prefix:
            return False
        return all(hmac.compare_digest(a, b) for a, b in zip(self._keys, other._keys, strict=True))

    def __hash__(self) -> int:
        return hash((len(self._keys), self.prefix))

    def __reduce__(self) -> tuple[Any, ...]:
        return SigningKeys, (list(self._keys), self.prefix)

    def sign(self, name: bytes, payload: bytes) -> bytes:
        """``payload`` framed with its signature under the first key."""
        return MAGIC + _mac(self._pads[0], name, payload) + payload

    def verify(self, name: bytes, data: bytes) -> bytes | None:
        """The payload of ``data`` if one of the keys signed it for ``name``, else None."""
        mac = data[len(MAGIC):_HEAD]
        payload = data[_HEAD:]
        for pads in self._pads:
            if hmac.compare_digest(mac, _mac(pads, name, payload)):
                return payload
        return None


SigningKey = bytes | Sequence[bytes] | SigningKeys | None
"""What a dict's ``signing_key=`` takes."""


def _check_key(key: Any, what: str) -> None:
    if not isinstance(key, bytes):
        raise TypeError(f"{what} must be bytes, not {type(key).__name__}"
                        + (" (encode it, or better use os.urandom(32))" if isinstance(key, str)
                           else ""))
    if not key:
        raise ValueError(f"{what} is empty: use a secret of 32 random bytes (os.urandom(32))")


Pads = tuple[Any, Any]  # SHA-256 states after the key's inner and outer pad


def _pads(key: bytes) -> Pads:
    """HMAC-SHA256 (RFC 2104) keyed once: the hash states after each padded key, copied
    per message (``hmac.new`` pads the key again on every call, at twice the cost)."""
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    return (hashlib.sha256(key.translate(_INNER)), hashlib.sha256(key.translate(_OUTER)))


_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))


def _mac(pads: Pads, name: bytes, payload: bytes) -> bytes:
    inner = pads[0].copy()
    inner.update(name)
    inner.update(payload)
    outer = pads[1].copy()
    outer.update(inner.digest())
    return outer.digest()  # type: ignore[no-any-return]


def signing_keys(signing_key: SigningKey) -> SigningKeys | None:
    """``signing_key`` as a constructor takes it (None, bytes, a list of bytes, or
    :class:`SigningKeys`), checked."""
    if signing_key is None or isinstance(signing_key, SigningKeys):
        return signing_key
    return SigningKeys(signing_key)


def unsigned(store: Store) -> Store:
    """The store under a :class:`SigningStore` (``store`` itself if it signs nothing)."""
    return store.inner if isinstance(store, SigningStore) else store


class SigningStore(ForwardingStore):
    """``inner`` with each value signed on write and verified on every read.

    ``digest_len`` is that of the names' digest suffixes (stripped from the signed
    name); ``keys.prefix`` is the name of this store's folder from the dict's root.

    Raises:
        SignatureError: on a read of bytes that are unsigned, tampered with, or
            signed for another name (nothing of them is returned).
    """

    def __init__(self, inner: Store, keys: SigningKeys, digest_len: int) -> None:
        super().__init__(inner)
        self.content_md5_in_listing = False  # listed etags are of the signed bytes
        self.keys = keys
        self.digest_len = digest_len
        self._signed_names: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"SigningStore({self.inner!r})"

    # --- names and bytes

    def _signed_name(self, name: str) -> bytes:
        found = self._signed_names.get(name)
        if found is None:
            full = self.keys.prefix + name
            if self.digest_len:
                full = "/".join(self._plain_part(p) for p in full.split("/"))
            if len(self._signed_names) >= 1 << 16:
                self._signed_names.clear()
            found = self._signed_names[name] = full.encode() + b"\0"
        return found

    def _plain_part(self, part: str) -> str:
        stem, dot, extension = part.rpartition(".")
        if dot and unsign_component(stem, self.digest_len) != stem:
            return unsign_component(stem, self.digest_len) + dot + extension
        return unsign_component(part, self.digest_len)

    def _sign(self, name: str, payload: bytes) -> bytes:
        return self.keys.sign(self._signed_name(name), payload)

    def _verify(self, name: str, data: bytes) -> bytes:
        if not data.startswith(MAGIC):
            raise SignatureError(f"{self.url}: {name!r} is not signed (written without a"
                                 " signing_key, or by an earlier release): refused unread")
        payload = self.keys.verify(self._signed_name(name), data)
        if payload is None:
            raise SignatureError(f"{self.url}: {name!r} has a bad signature (tampered with,"
                                 " copied from another key, or signed with another key):"
                                 " refused unread")
        return payload

    def _signed_items(self, items: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        return ((name, self._sign(name, data)) for name, data in items)

    # --- reading

    def read(self, name: str) -> bytes:
        return self._verify(name, self.inner.read(name))

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        data, info = self.inner.read_with_info(name)
        return self._verify(name, data), info

    def read_with_mtime(self, name: str) -> tuple[bytes, float]:
        data, mtime = self.inner.read_with_mtime(name)
        return self._verify(name, data), mtime

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        found = self.inner.read_if_changed(name, etag)
        return None if found is None else (self._verify(name, found[0]), found[1])

    def read_many(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        for name, data in self.inner.read_many(names):
            yield name, None if data is None else self._verify(name, data)

    def read_many_with_info(self, names: Iterable[str]) -> Iterator[
            tuple[str, tuple[bytes, ItemInfo] | None]]:
        for name, found in self.inner.read_many_with_info(names):
            yield name, None if found is None else (self._verify(name, found[0]), found[1])

    # --- writing

    def write(self, name: str, data: bytes) -> str:
        return self.inner.write(name, self._sign(name, data))

    def create(self, name: str, data: bytes) -> bool:
        return self.inner.create(name, self._sign(name, data))

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return self.inner.replace(name, self._sign(name, data), etag)

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def delete_if(self, name: str, etag: str) -> bool:
        return self.inner.delete_if(name, etag)

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        self.inner.write_many(self._signed_items(items))

    def create_many(self, items: Iterable[tuple[str, bytes]]) -> list[str]:
        return self.inner.create_many(self._signed_items(items))

    def delete_many(self, names: Iterable[str]) -> None:
        self.inner.delete_many(names)

    def try_write_many(self, items: Iterable[tuple[str, bytes]]) -> dict[str, Exception]:
        return self.inner.try_write_many(self._signed_items(items))

    def try_create_many(self, items: Iterable[tuple[str, bytes]]
                        ) -> tuple[list[str], dict[str, Exception]]:
        return self.inner.try_create_many(self._signed_items(items))

    def try_delete_many(self, names: Iterable[str]) -> dict[str, Exception]:
        return self.inner.try_delete_many(names)

    # --- listing, folders, locks: the inner store's (see ForwardingStore)

    def substore(self, dir_name: str) -> SigningStore:
        return SigningStore(self.inner.substore(dir_name), self.keys.under(dir_name),
                            self.digest_len)

