"""Stores: the byte layer under every PersiDict."""

from ._base import ItemInfo, Store
from .caching_store import CachingStore
from .file_store import FileStore
from .memory_store import MemoryStore
from .s3_store import S3Store  # boto3 is imported only when a client is made
from .sqlite_store import SqliteStore
from .zip_store import ZipStore

__all__ = ["CachingStore", "FileStore", "ItemInfo", "MemoryStore", "S3Store", "SqliteStore",
           "Store", "ZipStore"]
