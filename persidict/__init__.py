"""persidict: persistent, distributed-safe dictionaries in a folder or an S3 bucket."""

from ._version import __version__
from .access_wrappers import ReadOnlyDict, WriteOnlyDict, read_only, write_only
from .batch import Batch
from .collection import Collection
from .errors import (
    BatchError,
    ConflictError,
    CorruptValueError,
    MirrorError,
    PersiDictError,
    ReadOnlyError,
    SignatureError,
    StoreError,
    WriteOnlyError,
)
from .events import Subscription
from .file_dir_dict import FileDirDict
from .history import ABSENT, UNRECORDED, Change
from .hot_cache import CachedDict, cached
from .jokers import DELETE_CURRENT, KEEP_CURRENT, DeleteCurrentFlag, Joker, KeepCurrentFlag
from .local_dict import LocalDict
from .logged import LoggedDict, logged
from .mirror import MirrorDict, mirror
from .overlapping_multi_dict import OverlappingMultiDict
from .persi_dict import NonEmptyPersiDictKey, PersiDict, PersiDictKey
from .proxy import FieldChange, Proxy
from .s3_dict import S3Dict  # boto3 is imported only when an S3Dict is made
from .safe_chars import SAFE_CHARS_SET, get_safe_chars, replace_unsafe_chars
from .safe_str_tuple import SafeStrTuple
from .safe_str_tuple_signing import sign_safe_str_tuple, unsign_safe_str_tuple
from .sqlite_dict import SqliteDict
from .stores.signing_store import SigningKeys
from .tools import CopyReport, SyncError, SyncReport, copy, sync
from .tools import open_url as open  # noqa: F401 - not in __all__: `import *` keeps builtin open
from .wrappers import PersiDictWrapper
from .write_once_dict import WriteOnceDict
from .zip_dict import ZipDict

__all__ = [
    "ABSENT",
    "DELETE_CURRENT",
    "KEEP_CURRENT",
    "SAFE_CHARS_SET",
    "UNRECORDED",
    "Batch",
    "BatchError",
    "CachedDict",
    "Change",
    "Collection",
    "ConflictError",
    "CopyReport",
    "CorruptValueError",
    "DeleteCurrentFlag",
    "FieldChange",
    "FileDirDict",
    "Joker",
    "KeepCurrentFlag",
    "LocalDict",
    "LoggedDict",
    "MirrorDict",
    "MirrorError",
    "NonEmptyPersiDictKey",
    "OverlappingMultiDict",
    "PersiDict",
    "PersiDictError",
    "PersiDictKey",
    "PersiDictWrapper",
    "Proxy",
    "ReadOnlyDict",
    "ReadOnlyError",
    "S3Dict",
    "SafeStrTuple",
    "SignatureError",
    "SigningKeys",
    "SqliteDict",
    "StoreError",
    "Subscription",
    "SyncError",
    "SyncReport",
    "WriteOnceDict",
    "WriteOnlyDict",
    "WriteOnlyError",
    "ZipDict",
    "__version__",
    "cached",
    "copy",
    "get_safe_chars",
    "logged",
    "mirror",
    "read_only",
    "replace_unsafe_chars",
    "sign_safe_str_tuple",
    "sync",
    "unsign_safe_str_tuple",
    "write_only",
]
