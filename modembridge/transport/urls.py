"""Open a serial port by URL and turn every failure into a one-line :class:`PortError`."""

from __future__ import annotations

import errno
import os
from typing import Protocol

import serial

HANDLER_PACKAGE = "modembridge.transport"
WRITE_TIMEOUT = 10.0  # a write blocked by hardware flow control must not hang the thread forever

_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}
_DENIED = {errno.EACCES, errno.EPERM}


class SerialLike(Protocol):
    """What the driver needs from a port: pyserial ports and test wrappers both fit."""

    timeout: float | None

    def read(self, size: int = ..., /) -> bytes: ...

    def write(self, b: bytes, /) -> int | None: ...

    def close(self) -> None: ...

    @property
    def in_waiting(self) -> int: ...


class PortError(Exception):
    """A port could not be opened; ``reason`` is one line a user can act on."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def register_handlers() -> None:
    """Let pyserial find ``modembridge.transport.protocol_sim`` for ``sim://`` (idempotent)."""
    if HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(HANDLER_PACKAGE)


def is_device_path(url: str) -> bool:
    """True for a filesystem path (``/dev/ttyUSB2``), False for a ``scheme://`` URL."""
    return "://" not in url


def open_port(
    url: str, *, baudrate: int = 115200, flow_control: bool = False, timeout: float = 0.05
) -> serial.Serial:
    """Open ``url`` (device path or pyserial URL) with a short read timeout.

    Device paths are resolved at every open (so a re-created udev symlink is followed) and
    locked with ``exclusive=True``: one owner per port.

    Args:
        url: a device path, ``socket://``, ``spy://``, ``rfc2217://``, ``loop://`` or ``sim://``.
        baudrate: line speed (ignored by network and simulated ports).
        flow_control: RTS/CTS hardware flow control.
        timeout: read timeout in seconds; the driver polls with it.

    Returns:
        An open pyserial port.

    Raises:
        PortError: with a one-line reason ("no such port", "port busy", ...).
    """
    register_handlers()
    kwargs: dict[str, object] = {
        "baudrate": baudrate,
        "rtscts": flow_control,
        "timeout": timeout,
        "write_timeout": WRITE_TIMEOUT,
    }
    target = url
    if is_device_path(url):
        target = os.path.realpath(url)
        kwargs["exclusive"] = True
    try:
        return _serial_for_url(target, kwargs)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(url, describe_error(exc)) from exc


def _serial_for_url(target: str, kwargs: dict[str, object]) -> serial.Serial:
    try:
        return serial.serial_for_url(target, **kwargs)  # type: ignore[arg-type]
    except TypeError:
        # Some URL handlers reject keyword arguments they do not know: retry with the basics.
        basic = {k: v for k, v in kwargs.items() if k in ("baudrate", "timeout")}
        return serial.serial_for_url(target, **basic)  # type: ignore[arg-type]


def describe_error(exc: BaseException) -> str:
    """Map an open failure to a short, actionable reason."""
    code = getattr(exc, "errno", None)
    if not isinstance(code, int) and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    if code == errno.ENOENT:
        return "no such port"
    if code in _BUSY:
        return "port busy"
    if code in _DENIED:
        return "permission denied (add the user to the dialout group)"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "exclusively lock" in text:
        return "port busy"
    return text
