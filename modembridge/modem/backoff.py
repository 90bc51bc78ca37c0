"""Reconnect backoff: capped exponential, cut short when the device link (re)appears."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from modembridge.transport.urls import is_device_path

DEVICE_CHECK = 1.0  # look for a re-appearing device link this often while backing off
HUMAN_NEEDED = 32  # failures counted after a SIM problem: re-check at the maximum delay


class Stopping(Exception):
    """The owner asked the thread to stop while it was waiting."""


class Backoff:
    """Waits between reconnect attempts: ``minimum`` doubling up to ``maximum`` seconds.

    A udev link that comes back (new target, inode or mtime) ends the wait at once and resets
    the ladder, so a replugged modem is reopened within about a second.

    Args:
        port: the configured port; only device paths are watched.
        minimum: first delay.
        maximum: longest delay.
        stop: set when the owner stops; ends any wait with :class:`Stopping`.
        clock: monotonic clock.
    """

    def __init__(
        self,
        port: str,
        *,
        minimum: float,
        maximum: float,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._minimum = minimum
        self._maximum = maximum
        self._stop = stop
        self._clock = clock
        self.failures = 0

    def succeeded(self) -> None:
        """A session came up: the next failure starts from the bottom again."""
        self.failures = 0

    def failed(self, *, human_needed: bool = False) -> None:
        """Count a failed attempt (a SIM problem waits the maximum: a human must act)."""
        self.failures = max(self.failures + 1, HUMAN_NEEDED if human_needed else 0)

    @property
    def delay(self) -> float:
        """The next wait in seconds."""
        return min(self._maximum, self._minimum * 2 ** max(0, self.failures - 1))

    def wait(self, interrupted: Callable[[], bool] = lambda: False) -> None:
        """Sleep for ``delay``, returning early on a new device or ``interrupted()``.

        Raises:
            Stopping: ``stop`` was set.
        """
        deadline = self._clock() + self.delay
        marker = self.device_marker()
        while (remaining := deadline - self._clock()) > 0:
            if self._stop.wait(min(DEVICE_CHECK, remaining)):
                raise Stopping
            if interrupted():
                return
            current = self.device_marker()
            if current is not None and current != marker:
                self.failures = 0  # a new device: start the ladder from the bottom
                return

    def sleep(self, seconds: float) -> None:
        """An interruptible sleep for retries inside a session.

        Raises:
            Stopping: ``stop`` was set.
        """
        if self._stop.wait(seconds):
            raise Stopping

    def device_marker(self) -> tuple[str, int, int] | None:
        """Identity of the device link (target, inode, mtime); None if absent or not a path."""
        if not is_device_path(self._port):
            return None
        try:
            st = os.lstat(self._port)
            target = os.path.realpath(self._port)
        except OSError:
            return None
        return (target, st.st_ino, st.st_mtime_ns) if os.path.exists(target) else None
