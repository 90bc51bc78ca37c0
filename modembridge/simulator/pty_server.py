"""Serve a SimModem on a pseudo-terminal whose slave is reachable through a symlink.

The host (pyserial, gammu) opens the symlink like a USB tty. The unplug fault closes the pty and
removes the link; when the device returns a NEW pty is created and the same link re-pointed
atomically (temp symlink + ``os.replace``), as udev does for a re-enumerated modem.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
import tty

from modembridge.simulator.engine import SimModem

__all__ = ["PtyServer"]

logger = logging.getLogger(__name__)

_MAX_PENDING = 256 * 1024  # output kept while nobody reads the tty; the oldest bytes go first


class PtyServer:
    """One I/O thread owns the pty: reads host bytes into the modem, writes its output."""

    def __init__(self, modem: SimModem, link: str) -> None:
        self.modem = modem
        self.link = os.path.abspath(link)
        self.tty_name: str | None = None
        self._lock = threading.Lock()
        self._out = bytearray()
        self._wake_r = self._wake_w = -1
        self._master: int | None = None
        self._slave: int | None = None
        self._want_plugged = True
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Create the pty and the link, attach to the modem and start the I/O thread.

        Raises:
            FileExistsError: ``link`` exists and is not a symlink (never replace a real file).
            OSError: the pty or the link cannot be created.
        """
        self._open_pty()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self.modem.set_output(self._enqueue)
        self.modem.add_device_listener(self)
        self._thread = threading.Thread(target=self._run, name="sim-pty", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, close every descriptor and remove the link."""
        with self._lock:
            self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.modem.remove_device_listener(self)
        self.modem.clear_output(self._enqueue)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1

    # --- DeviceListener (called by the modem under its lock: only flag and wake) -------------

    def device_removed(self) -> None:
        """Unplug: the I/O thread closes the pty and removes the link."""
        with self._lock:
            self._want_plugged = False
        self._wake()

    def device_returned(self) -> None:
        """Replug: the I/O thread makes a new pty and re-points the link."""
        with self._lock:
            self._want_plugged = True
        self._wake()

    # --- internals ---------------------------------------------------------------------------

    def _enqueue(self, data: bytes) -> None:
        with self._lock:
            self._out += data
            if len(self._out) > _MAX_PENDING:
                del self._out[: len(self._out) - _MAX_PENDING]
        self._wake()

    def _wake(self) -> None:
        if self._wake_w < 0:
            return
        with contextlib.suppress(OSError):  # a full pipe already means "wake up"
            os.write(self._wake_w, b"x")

    def _open_pty(self) -> None:
        if os.path.lexists(self.link) and not os.path.islink(self.link):
            raise FileExistsError(f"{self.link} exists and is not a symlink; not replacing it")
        master, slave = os.openpty()
        self._master, self._slave = master, slave
        try:
            tty.setraw(slave)  # no echo, no line discipline: the host sees raw modem bytes
            os.set_blocking(master, False)
            self.tty_name = os.ttyname(slave)
            temp = f"{self.link}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            os.symlink(self.tty_name, temp)
            os.replace(temp, self.link)
        except BaseException:
            self._close_pty()
            raise
        logger.info("simulated modem on %s -> %s", self.link, self.tty_name)

    def _close_pty(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            ours = self.tty_name and os.path.islink(self.link)
            if ours and os.readlink(self.link) == self.tty_name:
                os.unlink(self.link)
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        self.tty_name = None

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                want_plugged, pending = self._want_plugged, bool(self._out)
            if want_plugged and self._master is None:
                try:
                    self._open_pty()
                except OSError as exc:  # retried on the next turn (1 s)
                    logger.error("cannot re-create the simulated tty: %s", exc)
            elif not want_plugged and self._master is not None:
                self._close_pty()
                with self._lock:
                    self._out.clear()  # bytes for the old tty die with it
                pending = False
            self._poll(pending)

    def _poll(self, pending: bool) -> None:
        master = self._master
        readers = [self._wake_r] + ([master] if master is not None else [])
        writers = [master] if master is not None and pending else []
        readable, writable, _ = select.select(readers, writers, [], 1.0)
        if self._wake_r in readable:
            os.read(self._wake_r, 4096)
        if master is None:
            return
        if master in readable:
            self._read(master)
        if master in writable:
            self._flush(master)

    def _read(self, master: int) -> None:
        try:
            data = os.read(master, 4096)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EIO):  # EIO: no slave open right now
                logger.warning("pty read failed: %s", exc)
            return
        self.modem.feed(data)

    def _flush(self, master: int) -> None:
        with self._lock:
            chunk = bytes(self._out[:4096])
        try:
            written = os.write(master, chunk)
        except OSError as exc:
            if exc.errno != errno.EAGAIN:
                logger.warning("pty write failed: %s", exc)
            return
        with self._lock:
            del self._out[:written]
