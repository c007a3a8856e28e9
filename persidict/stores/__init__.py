"""Stores: the byte layer under every PersiDict."""

from ._base import ItemInfo, Store
from .file_store import FileStore
from .memory_store import MemoryStore

__all__ = ["FileStore", "ItemInfo", "MemoryStore", "Store"]
