"""Tools on top of the dicts: open by URL, copy and sync (DESIGN.md §4)."""

from . import _store_urls  # noqa: F401 - registers sqlite:// and zip://
from .reports import CopyReport, SyncError, SyncReport
from .sync import copy, sync
from .urls import SCHEMES, Scheme, open_url, register, url_of

__all__ = ["SCHEMES", "CopyReport", "Scheme", "SyncError", "SyncReport", "copy", "open_url",
           "register", "sync", "url_of"]
