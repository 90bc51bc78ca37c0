"""`modembridge set-password`: set the admin password from a shell (also a reset path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from modembridge.admin.auth import AdminAuth, PasswordError
from modembridge.config import ConfigError, find_config_file, load_config
from modembridge.store.db import Database, StoreError


class CommandError(Exception):
    """The command failed; `code` is the exit status, the message one line for stderr."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def read_stdin_password(stream: TextIO) -> str:
    """The first line of `stream` without its line ending (a password may contain blanks)."""
    return stream.readline().rstrip("\r\n")


def set_password(config_path: str | None, read_password: Callable[[], str]) -> None:
    """Store a new admin password in the bridge's database (logged-in sessions end).

    Args:
        config_path: the --config option (else the usual lookup).
        read_password: returns the new password (a hidden prompt, or a line from stdin).

    Raises:
        CommandError: bad config or database (exit 2), or an unacceptable password (exit 1).
    """
    try:
        config = load_config(find_config_file(config_path))
        db = Database(config.storage.path)
    except (ConfigError, StoreError) as exc:
        raise CommandError(str(exc), 2) from None
    try:
        AdminAuth(db).set_password(read_password())
    except PasswordError as exc:
        raise CommandError(str(exc), 1) from None
    finally:
        db.close()
