"""FileStore: names are files under a folder, written by temp file + atomic rename."""

from __future__ import annotations

import hashlib
import os
import stat as stat_module
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from filelock import FileLock

from .._locking import exclusive_file_lock
from ..errors import StoreError
from . import _file_listing as _listing
from ._base import ItemInfo, Store
from ._file_listing import TEMP_SUFFIX as _TEMP_SUFFIX
from ._file_ops import (
    etag_of,
    file_in_the_way,
    folder_in_the_way,
    info_of,
    parse_etag,
    read_all,
    refused,
    temp_names,
    too_long,
    unlink_quietly,
)

# Internal files carry "#", which no key may contain, so listings skip them cheaply.
_WRITES_LOCK = "#writes.lock"
_USER_LOCK_SUFFIX = "#lock"
_TEMP_PREFIX = "#"
_MAX_FILE_NAME = 255
_S_IFDIR = stat_module.S_IFDIR


class FileStore(Store):
    """Names are files below ``root``; ``a/b.pkl`` is ``root/a/b.pkl``.

    Writes go to a temp file that is renamed into place, so a killed writer
    leaves the old or the new file. Mutations of one folder are serialised by a
    short ``flock`` on ``#writes.lock`` in that folder, held only around the
    rename, which makes conditional writes exact against plain ones.
    ``durable=True`` also fsyncs each file, the folder of each write or delete,
    and the parent of each folder it creates. A name whose file or folder would
    take the place of another name's folder or file raises ``ValueError``.

    >>> import tempfile
    >>> store = FileStore(tempfile.mkdtemp())
    >>> _ = store.write("a/b.txt", b"hi")
    >>> store.read("a/b.txt"), list(store.names())
    (b'hi', ['a/b.txt'])
    """

    TEMP_MAX_AGE = 3600.0  # seconds before a leftover temp file counts as abandoned

    def __init__(self, root: str | os.PathLike[str], *, durable: bool = False,
                 create: bool = True) -> None:
        if not isinstance(durable, bool):
            raise TypeError(f"durable must be a bool, not {type(durable).__name__}")
        root = os.path.abspath(os.fspath(root))
        if os.path.exists(root) and not os.path.isdir(root):
            raise ValueError(f"base_dir {root!r} exists and is not a folder")
        if create:
            os.makedirs(root, exist_ok=True)
        self.root = root
        self.durable = durable

    def __repr__(self) -> str:
        return f"FileStore({self.root!r})"

    @property
    def url(self) -> str:
        return "file://" + self.root

    def _path(self, name: str) -> str:
        if len(name) > _MAX_FILE_NAME:
            self.check_name(name)
        return self.root + "/" + name

    def check_name(self, name: str) -> None:
        if len(name) > _MAX_FILE_NAME:
            for part in name.split("/"):
                if len(part) > _MAX_FILE_NAME:  # names are ASCII: characters are bytes
                    raise ValueError(
                        f"{name!r} is too long for a folder: the file name"
                        f" {part[:20]!r}... is {len(part)} bytes;"
                        f" a file name may have at most {_MAX_FILE_NAME}, which must hold"
                        " a key part with its digest suffix and extension (see the"
                        " README, key-part limits)")

    def make_root(self) -> None:
        """Create the root folder if it is missing."""
        if not os.path.isdir(self.root):
            self._make_folder(self.root, "")

    # reading

    def read(self, name: str) -> bytes:
        return self._read_file(name)[0]

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        data, st = self._read_file(name)
        return data, info_of(name, st)

    def read_with_mtime(self, name: str) -> tuple[bytes, float]:
        data, st = self._read_file(name)
        return data, st.st_mtime_ns / 1e9

    def _read_file(self, name: str) -> tuple[bytes, os.stat_result]:
        fd = self._open_for_read(name)
        try:
            st = os.fstat(fd)
            if st.st_mode & _S_IFDIR:
                raise KeyError(name)
            return read_all(fd, st.st_size), st
        finally:
            os.close(fd)

    def _open_for_read(self, name: str) -> int:
        try:
            return os.open(self._path(name), os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise KeyError(name) from None
        except OSError as e:
            raise too_long(e, name) from e

    def _stat_file(self, name: str) -> os.stat_result:
        try:
            st = os.stat(self._path(name))
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(name) from None
        except OSError as e:
            raise too_long(e, name) from e
        if stat_module.S_ISDIR(st.st_mode):
            raise KeyError(name)
        return st

    def stat(self, name: str) -> ItemInfo:
        return info_of(name, self._stat_file(name))

    def mtime(self, name: str) -> float:
        return self._stat_file(name).st_mtime_ns / 1e9

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        return self.change_check(name, etag)()

    def change_check(self, name: str, etag: str) -> Callable[[], tuple[bytes, ItemInfo] | None]:
        """One ``os.stat``, compared with the inode and write stamp the etag holds."""
        path, version = self._path(name), parse_etag(etag)
        stat = os.stat

        def read_if_changed() -> tuple[bytes, ItemInfo] | None:
            try:
                st = stat(path)
            except (FileNotFoundError, NotADirectoryError):
                raise KeyError(name) from None
            if st.st_mtime_ns == version_mtime and st.st_ino == version_ino:
                return None
            return self.read_with_info(name)  # a folder at path: KeyError

        version_ino, version_mtime = version or (-1, -1)
        return read_if_changed

    def exists(self, name: str) -> bool:
        try:
            return not os.stat(self._path(name)).st_mode & _S_IFDIR
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as e:
            raise too_long(e, name) from e

    # writing

    def write(self, name: str, data: bytes) -> str:
        path = self._path(name)
        temp, etag = self._write_temp(path, name, data)
        try:
            with exclusive_file_lock(self._writes_lock(path)):
                os.replace(temp, path)
        except IsADirectoryError:
            unlink_quietly(temp)
            raise folder_in_the_way(name) from None
        except OSError as e:
            unlink_quietly(temp)
            raise refused("write", name, self.root, e) from e
        except BaseException:
            unlink_quietly(temp)
            raise
        self._sync_folder(path)
        return etag

    def create(self, name: str, data: bytes) -> bool:
        return self.create_tagged(name, data) is not None

    def create_tagged(self, name: str, data: bytes) -> str | None:
        path = self._path(name)
        if self._taken(path, name):  # no need to write the temp file
            return None
        temp, etag = self._write_temp(path, name, data)
        try:
            os.link(temp, path)  # atomic create-if-absent, also on NFS
        except FileExistsError:
            self._taken(path, name)  # a folder there raises
            return None
        except OSError as e:
            raise refused("create", name, self.root, e) from e
        finally:
            unlink_quietly(temp)
        self._sync_folder(path)
        return etag

    def _taken(self, path: str, name: str) -> bool:
        """Whether a file is at ``path``; a folder there (or a file where one of its
        folders would be) takes no file, so it raises ``ValueError``."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        except NotADirectoryError:
            raise file_in_the_way(name) from None
        except OSError as e:
            raise too_long(e, name) from e
        if stat_module.S_ISDIR(st.st_mode):
            raise folder_in_the_way(name)
        return True

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return self.replace_tagged(name, data, etag) is not None

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        path = self._path(name)
        if self._lost_already(path, etag):
            return None
        temp, new_etag = self._write_temp(path, name, data)
        try:
            with exclusive_file_lock(self._writes_lock(path)):
                if self._current_etag(path) != etag:
                    unlink_quietly(temp)
                    return None
                os.replace(temp, path)
        except OSError as e:
            unlink_quietly(temp)
            raise refused("conditional write", name, self.root, e) from e
        except BaseException:
            unlink_quietly(temp)
            raise
        self._sync_folder(path)
        return new_etag

    def delete(self, name: str) -> None:
        path = self._path(name)
        try:
            with exclusive_file_lock(self._writes_lock(path)):
                os.unlink(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise KeyError(name) from None
        except OSError as e:
            raise refused("delete", name, self.root, e) from e
        self._sync_folder(path)

    def delete_if(self, name: str, etag: str) -> bool:
        path = self._path(name)
        try:
            with exclusive_file_lock(self._writes_lock(path)):
                if self._current_etag(path) != etag:
                    return False
                os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as e:
            raise refused("conditional delete", name, self.root, e) from e
        self._sync_folder(path)
        return True

    def _lost_already(self, path: str, etag: str) -> bool:
        # A conditional write that has lost needs no temp file; a win is checked
        # again under the lock. Errors are left to the write itself to report.
        try:
            return self._current_etag(path) != etag
        except OSError:
            return False

    def _current_etag(self, path: str) -> str | None:
        try:
            return etag_of(os.stat(path))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _writes_lock(self, path: str) -> str:
        return path[:path.rindex("/") + 1] + _WRITES_LOCK  # paths are absolute: a "/" is there

    def _write_temp(self, path: str, name: str, data: bytes) -> tuple[str, str]:
        folder = path[:path.rindex("/")]
        temp = f"{folder}/{_TEMP_PREFIX}{temp_names.next()}{_TEMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            try:
                fd = os.open(temp, flags, 0o666)
            except FileNotFoundError:
                self._make_folder(folder, name)
                fd = os.open(temp, flags, 0o666)
        except NotADirectoryError:
            raise file_in_the_way(name) from None
        except StoreError:  # from _make_folder
            raise
        except OSError as e:
            raise refused("write", name, self.root, e) from e
        try:
            written = os.write(fd, data)
            if written < len(data):  # a short write: go on with the rest
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(fd, view):]
            now = time.time_ns()
            os.utime(fd, ns=(now, now))
            if self.durable:
                os.fsync(fd)
            etag = etag_of(os.fstat(fd))
        except BaseException as e:
            os.close(fd)
            unlink_quietly(temp)
            if isinstance(e, OSError):
                raise refused("write", name, self.root, e) from e
            raise
        os.close(fd)
        return temp, etag

    def _make_folder(self, folder: str, name: str) -> None:
        # One level at a time (not os.makedirs), so that durable=True can sync the
        # parent of each folder it creates.
        try:
            os.mkdir(folder)
        except FileNotFoundError:
            self._make_folder(folder[:folder.rindex("/")], name)
            self._make_folder(folder, name)
            return
        except FileExistsError:
            if not os.path.isdir(folder):
                raise file_in_the_way(name) from None
            return  # made by another writer meanwhile
        except NotADirectoryError:
            raise file_in_the_way(name) from None
        except OSError as e:
            raise refused("write", name, self.root, e) from e
        self._sync_folder(folder)

    def _sync_folder(self, path: str) -> None:
        """fsync the folder holding ``path`` (when durable)."""
        if self.durable:
            fd = os.open(path[:path.rindex("/")] or "/", os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # listing

    def names(self, suffix: str = "") -> Iterator[str]:
        for folder, leaves in self.names_by_folder(suffix):
            if folder:
                prefix = folder + "/"
                for leaf in leaves:
                    yield prefix + leaf
            else:
                yield from leaves

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        return _listing.names_by_folder(self, suffix)

    def mtimes_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str], list[float]]]:
        return _listing.mtimes_by_folder(self, suffix)

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return _listing.infos(self, suffix)

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        """One ``scandir`` of ``folder``, sorted: one chunk."""
        return _listing.folder_entries(self, folder, starts_with, after)

    def folder_infos(self, folder: str, leaves: list[str], *,
                     index: bool = False) -> Iterator[ItemInfo]:
        """The index by one ``scandir`` of it, then a stat per leaf."""
        return _listing.folder_infos(self, folder, leaves, index)

    def dirs(self) -> Iterator[str]:
        return _listing.dirs(self)

    def substore(self, dir_name: str) -> FileStore:
        return FileStore(self._path(dir_name), durable=self.durable, create=False)

    def peek(self, limit: int) -> list[tuple[str, bool]]:
        """``(name, is_folder)`` of at most ``limit`` entries at the top, internal
        files skipped: one ``scandir``, stopped early."""
        found: list[tuple[str, bool]] = []
        try:
            entries = os.scandir(self.root)
        except FileNotFoundError:
            return found
        with entries:
            for entry in entries:
                if "#" not in entry.name:
                    found.append((entry.name, entry.is_dir()))
                    if len(found) >= limit:
                        break
        return found

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        path = self._path(name) + _USER_LOCK_SUFFIX
        folder, _, leaf = path.rpartition("/")
        if len(leaf) > _MAX_FILE_NAME:  # a long name: its lock file is named by a digest
            digest = hashlib.md5(leaf.encode()).hexdigest()
            path = f"{folder}/{leaf[:200]}#{digest}{_USER_LOCK_SUFFIX}"
        if not os.path.isdir(folder):  # one stat where makedirs would make several calls
            os.makedirs(folder, exist_ok=True)
        return FileLock(path, timeout=-1 if timeout is None else timeout)  # type: ignore[return-value]
