"""What a PersiDict is made of: its store and parameters, checked once when it is
built; the properties that show them; pickling as its parameters; copies and repr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import history as _history
from . import ttl as _ttl
from ._naming import Naming
from ._recording import recording, unwrapped
from .compression import check_compress, compressed_format
from .formats import format_for
from .safe_str_tuple_signing import _check_digest_len
from .stores import Store
from .stores.signing_store import SigningKey, SigningKeys, SigningStore, signing_keys, unsigned

if TYPE_CHECKING:
    from .persi_dict import PersiDict


def _reopen(cls: type[PersiDict[Any]], params: dict[str, Any]) -> PersiDict[Any]:
    return cls(**params)


class Params:
    """The parameters half of PersiDict (a mixin: PersiDict's constructor calls
    :meth:`_init_params`)."""

    _ttl: _ttl.TTL | None

    def _init_params(self, store: Store, *, file_type: str, immutable_items: bool,
                     digest_len: int, base_class_for_values: type | None,
                     ttl: float | None, item_ttl: bool, history: bool = False,
                     signing_key: SigningKey = None, compress: str | None = None) -> None:
        if not isinstance(store, Store):
            raise TypeError(f"store must be a persidict Store, not {type(store).__name__}")
        if not isinstance(history, bool):
            raise TypeError(f"history must be a bool, not {type(history).__name__}")
        store = unwrapped(store)  # a subscribed dict's store: this dict records on its own
        if not isinstance(immutable_items, bool):
            raise TypeError("immutable_items must be a bool")
        if not isinstance(item_ttl, bool):
            raise TypeError(f"item_ttl must be a bool, not {type(item_ttl).__name__}")
        if base_class_for_values is not None and not isinstance(base_class_for_values, type):
            raise TypeError("base_class_for_values must be a class or None")
        self._compress = check_compress(compress)
        self._format = compressed_format(format_for(file_type), self._compress)
        if base_class_for_values is not None \
                and not issubclass(base_class_for_values, self._format.value_type):
            raise ValueError(f"file_type {file_type!r} stores only"
                             f" {self._format.value_type.__name__} values")
        keys = signing_keys(signing_key)
        self._store = store
        self._file_type = file_type
        self._immutable_items = immutable_items
        self._digest_len = _check_digest_len(digest_len)
        self._base_class_for_values = base_class_for_values
        self._naming = Naming(self._format.extension, self._name_digest_len(),
                              refuse_value_names=self._digest_len == 0,
                              check_name=store.check_name)
        seconds = _ttl.check_ttl(ttl)
        self._ttl = None if seconds is None and not item_ttl else _ttl.TTL(seconds, item_ttl)
        if keys is not None:  # see stores/signing_store.py
            store = SigningStore(store, keys, self._name_digest_len())
        self._store = recording(store, history=True) if history else store

    @property
    def file_type(self) -> str:
        """``"pkl"``, ``"json"``, ``"plain_json"`` (in ``.json`` files), or the
        extension of a text format."""
        return self._file_type

    @property
    def immutable_items(self) -> bool:
        """Whether items are write-once."""
        return self._immutable_items

    @property
    def digest_len(self) -> int:
        """Length of the digest suffix of each key component in folder names."""
        return self._digest_len

    @property
    def base_class_for_values(self) -> type | None:
        """The class every value must be an instance of, if any."""
        return self._base_class_for_values

    @property
    def ttl(self) -> float | None:
        """Seconds an item lives after its last write (``None``: for ever); see ttl.py."""
        return None if self._ttl is None else self._ttl.seconds

    @property
    def item_ttl(self) -> bool:
        """Whether items may carry their own expiry (:meth:`set` with ``ttl``)."""
        return self._ttl is not None and self._ttl.per_item

    @property
    def keeps_history(self) -> bool:
        """Whether every change is recorded (``history=True``; see history.py)."""
        return _history.keeps_history(self)  # type: ignore[arg-type]

    @property
    def compress(self) -> str | None:
        """The codec of the stored values (see compression.py); ``None``: the format's own."""
        return self._compress

    def _name_digest_len(self) -> int:
        """The digest length used in store names (S3 names carry none)."""
        return self.digest_len

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments: ``type(d)(**d.get_params())`` reopens ``d``."""
        return {"store": self._backend, **self._shared_params()}

    def _shared_params(self) -> dict[str, Any]:
        params = {"file_type": self.file_type, "immutable_items": self.immutable_items,
                  "digest_len": self.digest_len,
                  "base_class_for_values": self.base_class_for_values, "ttl": self.ttl,
                  "item_ttl": self.item_ttl, "history": self.keeps_history,
                  "signing_key": self._signing_keys}
        if self._compress is not None:  # only when chosen: the earlier releases' shape
            params["compress"] = self._compress
        return params

    @property
    def store(self) -> Store:
        """The store this dict keeps its values in."""
        return self._store

    @property
    def naming(self) -> Naming:
        """How this dict's keys become its store's names (``name(key)``, ``key(name)``)."""
        return self._naming

    @property
    def _signing_keys(self) -> SigningKeys | None:
        """The keys values are signed with (a subdict's know its folder), if any."""
        signed = unwrapped(self._store)
        return signed.keys if isinstance(signed, SigningStore) else None

    @property
    def _backend(self) -> Store:
        """The backend's own store, under the recording and signing layers."""
        return unsigned(unwrapped(self._store))

    @property
    def base_url(self) -> str:
        """Where the items live, as a URL."""
        return self._store.url

    @property
    def url(self) -> str:
        """The URL ``persidict.open`` reads back to a dict equal to this one."""
        from .tools.urls import url_of  # the tools layer sits above this one

        return url_of(self)  # type: ignore[arg-type]

    @property
    def base_dir(self) -> str | None:
        """The local folder of this dict (its values, or its cache); ``None`` if none."""
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        return _reopen, (type(self), self.get_params())

    def __copy__(self) -> Any:
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        return twin

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

