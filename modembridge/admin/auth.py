"""The admin password (hashed in the settings table) and login rate limiting.

There is one admin account: the person who runs the bridge. The password is set on the
first-run setup page or with `modembridge set-password`; only a salted scrypt hash is stored.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from modembridge.admin.settings import SettingsStore
from modembridge.clock import utcnow
from modembridge.store.db import Database

PASSWORD_KEY = "admin.password_hash"
MIN_LENGTH = 8
MAX_LENGTH = 1024  # scrypt of a megabyte "password" would be a cheap denial of service


class PasswordError(ValueError):
    """A new password that cannot be used; the message says why."""


def check_new_password(password: str, confirm: str | None = None) -> str:
    """Validate a password being set; return it unchanged.

    Raises:
        PasswordError: too short, too long, made of blanks, or the confirmation differs.
    """
    if confirm is not None and password != confirm:
        raise PasswordError("the two passwords differ")
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"the password can have at most {MAX_LENGTH} characters")
    if not password.strip():
        raise PasswordError("the password cannot be only blanks")
    return password


class LoginLimiter:
    """At most `max_failures` failed logins per client address within `window`.

    In memory: one process serves the admin page, and a restart forgetting the counts only
    gives an attacker a few more guesses against a scrypt hash.
    """

    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=5)) -> None:
        """Set the budget of failures per client and window."""
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: datetime) -> int:
        """Seconds until `client` may try again (0: it may try now)."""
        with self._lock:
            recent = self._recent(client, now)
            if len(recent) < self.max_failures:
                return 0
            wait = recent[0] + self.window - now
            return max(1, int(wait.total_seconds() + 0.999))

    def failed(self, client: str, now: datetime) -> None:
        """Count one failed attempt by `client`."""
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 10_000:  # forget idle clients so memory stays bounded
                for key in [k for k, q in self._failures.items() if not q]:
                    del self._failures[key]

    def succeeded(self, client: str) -> None:
        """Forget `client`'s failures after a good password."""
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: `ok`, or why not."""

    ok: bool
    retry_after: int = 0  # > 0: rate limited, try again in this many seconds
    session_tag: str = ""  # binds the session to this password (see `session_tag`)


class AdminAuth:
    """Set, check and rate-limit the admin password."""

    def __init__(
        self,
        db: Database,
        *,
        limiter: LoginLimiter | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Store the hash in `db`'s settings table."""
        self._settings = SettingsStore(db)
        self.limiter = limiter or LoginLimiter()
        self._clock = clock

    def has_password(self) -> bool:
        """True once a password was set (the setup page is closed from then on)."""
        return self._settings.get(PASSWORD_KEY) is not None

    def set_password(self, password: str, confirm: str | None = None) -> None:
        """Set or replace the password (existing sessions end: their tag no longer matches).

        Raises:
            PasswordError: the password is not acceptable, or `confirm` differs from it.
        """
        self._settings.put(PASSWORD_KEY, _hash(check_new_password(password, confirm)))

    def setup_password(self, password: str, confirm: str | None = None) -> bool:
        """First-run setup: set the password only if none exists; False if one already did.

        Raises:
            PasswordError: the password is not acceptable, or `confirm` differs from it.
        """
        checked = check_new_password(password, confirm)
        return self._settings.put_if_absent(PASSWORD_KEY, _hash(checked))

    def login(self, client: str, password: str) -> LoginResult:
        """Check `password` for `client` (its address), counting failures against the limit."""
        now = self._clock()
        wait = self.limiter.retry_after(client, now)
        if wait:
            return LoginResult(False, retry_after=wait)
        stored = self._settings.get(PASSWORD_KEY)
        if (
            stored is None
            or len(password) > MAX_LENGTH
            or not check_password_hash(stored, password)
        ):
            self.limiter.failed(client, now)
            return LoginResult(False)
        self.limiter.succeeded(client)
        return LoginResult(True, session_tag=_tag(stored))

    def session_tag(self) -> str | None:
        """A short digest of the stored hash; a session is valid while its tag equals this."""
        stored = self._settings.get(PASSWORD_KEY)
        return None if stored is None else _tag(stored)


def _hash(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _tag(stored_hash: str) -> str:
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:32]
