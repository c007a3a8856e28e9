"""persidict: persistent, distributed-safe dictionaries in a folder or an S3 bucket."""

from ._version import __version__
from .access_wrappers import ReadOnlyDict, WriteOnlyDict, read_only, write_only
from .batch import Batch
from .errors import (
    BatchError,
    ConflictError,
    CorruptValueError,
    MirrorError,
    PersiDictError,
    ReadOnlyError,
    StoreError,
    WriteOnlyError,
)
from .file_dir_dict import FileDirDict
from .hot_cache import CachedDict, cached
from .jokers import DELETE_CURRENT, KEEP_CURRENT, DeleteCurrentFlag, Joker, KeepCurrentFlag
from .local_dict import LocalDict
from .logged import LoggedDict, logged
from .mirror import MirrorDict, mirror
from .overlapping_multi_dict import OverlappingMultiDict
from .persi_dict import NonEmptyPersiDictKey, PersiDict, PersiDictKey
from .s3_dict import S3Dict  # boto3 is imported only when an S3Dict is made
from .safe_chars import SAFE_CHARS_SET, get_safe_chars, replace_unsafe_chars
from .safe_str_tuple import SafeStrTuple
from .safe_str_tuple_signing import sign_safe_str_tuple, unsign_safe_str_tuple
from .wrappers import PersiDictWrapper
from .write_once_dict import WriteOnceDict

__all__ = [
    "DELETE_CURRENT",
    "KEEP_CURRENT",
    "SAFE_CHARS_SET",
    "Batch",
    "BatchError",
    "CachedDict",
    "ConflictError",
    "CorruptValueError",
    "DeleteCurrentFlag",
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
    "ReadOnlyDict",
    "ReadOnlyError",
    "S3Dict",
    "SafeStrTuple",
    "StoreError",
    "WriteOnceDict",
    "WriteOnlyDict",
    "WriteOnlyError",
    "__version__",
    "cached",
    "get_safe_chars",
    "logged",
    "mirror",
    "read_only",
    "replace_unsafe_chars",
    "sign_safe_str_tuple",
    "unsign_safe_str_tuple",
    "write_only",
]
