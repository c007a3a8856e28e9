"""Who makes a change: the host, process and user that history records and proxy
field changes name."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Who:
    """The maker of a change."""

    host: str
    pid: int
    user: str

    @classmethod
    def current(cls) -> Who:
        """This process (worked out once per process: a forked child gets its own)."""
        global _current
        if _current is None or _current.pid != os.getpid():
            _current = cls(socket.gethostname(), os.getpid(), _user_name())
        return _current

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.pid}"


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid with no passwd entry and no USER variable
        return str(os.getuid())


_current: Who | None = None
