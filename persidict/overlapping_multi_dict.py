"""OverlappingMultiDict: several dicts over one folder or bucket, one per file_type."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, NoReturn

from .persi_dict import PersiDict


def _rebuild(dict_type: type[PersiDict], shared: dict[str, Any],
             individual: dict[str, dict[str, Any]]) -> OverlappingMultiDict:
    return OverlappingMultiDict(dict_type, shared, **individual)


class OverlappingMultiDict:
    """One dict per ``file_type`` over the same place, each an attribute.

    Each keyword names a ``file_type`` and holds that dict's own parameters; the
    container itself is not a mapping.

    >>> from persidict import LocalDict
    >>> m = OverlappingMultiDict(LocalDict, {}, json={}, txt={})  # one MemoryStore
    >>> m.json["a"] = {"n": 1}
    >>> m.txt["a"] = "notes"
    >>> m.json["a"], m.txt["a"]
    ({'n': 1}, 'notes')
    >>> m.json.store is m.txt.store
    True
    """

    def __init__(self, dict_type: type[PersiDict], shared_subdicts_params: Mapping[str, Any],
                 **individual_subdicts_params: Mapping[str, Any]) -> None:
        if not (isinstance(dict_type, type) and issubclass(dict_type, PersiDict)):
            raise TypeError(f"dict_type must be a PersiDict class, not {dict_type!r}")
        if not isinstance(shared_subdicts_params, Mapping):
            raise TypeError("shared_subdicts_params must be a mapping")
        if not individual_subdicts_params:
            raise ValueError("name at least one file_type, e.g. json={}")
        self.dict_type = dict_type
        self.shared_subdicts_params = dict(shared_subdicts_params)
        self.individual_subdicts_params = {}
        for file_type, params in individual_subdicts_params.items():
            if not isinstance(params, Mapping):
                raise TypeError(f"the parameters of {file_type!r} must be a mapping")
            if "file_type" in params or file_type.startswith("_") or hasattr(self, file_type):
                raise ValueError(f"{file_type!r} cannot name a dict here")
            self.individual_subdicts_params[file_type] = dict(params)
        # A dict type that makes a store of its own when given none (LocalDict: its
        # own memory) would give each file_type an unrelated store: the first one
        # made is shared instead, and kept in the shared parameters for get_params.
        share_store = "store" not in self.shared_subdicts_params \
            and "store" in inspect.signature(dict_type).parameters
        for file_type, params in self.individual_subdicts_params.items():
            d = dict_type(**{**self.shared_subdicts_params, **params, "file_type": file_type})
            if share_store and "store" not in params:
                self.shared_subdicts_params["store"] = d.get_params()["store"]
                share_store = False
            setattr(self, file_type, d)

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, the per-file_type ones under their names (copies:
        changing them does not change this container)."""
        return {"dict_type": self.dict_type,
                "shared_subdicts_params": dict(self.shared_subdicts_params),
                **{file_type: dict(params)
                   for file_type, params in self.individual_subdicts_params.items()}}

    def __reduce__(self) -> tuple[Any, ...]:
        for file_type in self.individual_subdicts_params:
            getattr(self, file_type).__reduce__()  # raises for a dict that cannot be pickled
        return _rebuild, (self.dict_type, self.shared_subdicts_params,
                          self.individual_subdicts_params)

    def _not_a_mapping(self, *_: Any) -> NoReturn:
        raise TypeError("OverlappingMultiDict is not a mapping; use its per-file_type"
                        f" dicts: {', '.join(self.individual_subdicts_params)}")

    __getitem__ = __setitem__ = __delitem__ = _not_a_mapping
