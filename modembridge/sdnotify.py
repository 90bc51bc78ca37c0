"""A minimal sd_notify(3) client: tell systemd we are ready, alive, busy or stopping.

The unit runs with ``Type=notify`` and ``WatchdogSec=``: systemd waits for ``READY=1`` before
it calls the service started, and restarts it when ``WATCHDOG=1`` stops arriving. Feed the
watchdog only from a healthy main loop, so a wedged process gets restarted.

Without ``$NOTIFY_SOCKET`` (not run by systemd: a terminal, the tests, ``make run``) every call
is a no-op that returns False. No dependency: one datagram on an AF_UNIX socket per message.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one notification, e.g. ``"READY=1"`` or ``"STATUS=modem ok"``.

    Args:
        message: newline-separated ``KEY=VALUE`` assignments (see sd_notify(3)).
        environ: the environment to read ``NOTIFY_SOCKET`` from (defaults to os.environ).

    Returns:
        True when the datagram was sent; False when not under systemd or the send failed
        (a notification must never take the service down; failures are logged).
    """
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # Linux abstract namespace
    elif not address.startswith("/"):
        log.warning("ignoring NOTIFY_SOCKET %r: not a path or abstract socket", address)
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode("utf-8"), address)
    except OSError as exc:
        log.warning("sd_notify %r failed: %s", message.split("=", 1)[0], exc)
        return False
    return True


def ready(status: str | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Tell systemd start-up is complete (optionally with a status line)."""
    return notify("READY=1" + (f"\nSTATUS={_one_line(status)}" if status else ""), environ)


def watchdog(environ: Mapping[str, str] | None = None) -> bool:
    """Keep-alive ping; call at least every :func:`watchdog_interval` seconds."""
    return notify("WATCHDOG=1", environ)


def status(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """Set the one-line status shown by ``systemctl status``."""
    return notify(f"STATUS={_one_line(text)}", environ)


def stopping(environ: Mapping[str, str] | None = None) -> bool:
    """Tell systemd the service is shutting down on purpose."""
    return notify("STOPPING=1", environ)


def watchdog_interval(
    environ: Mapping[str, str] | None = None, pid: int | None = None
) -> float | None:
    """Seconds between watchdog pings: half of ``WatchdogSec``, or None when not enabled.

    systemd passes the period in ``$WATCHDOG_USEC``; ``$WATCHDOG_PID``, when set, names the
    process it is meant for (a child that inherited the environment must not feed it).

    Args:
        environ: the environment (defaults to os.environ).
        pid: our process id (defaults to os.getpid()).
    """
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    owner = env.get("WATCHDOG_PID", "")
    if owner:
        try:
            if int(owner) != (os.getpid() if pid is None else pid):
                return None
        except ValueError:
            return None
    return usec / 2_000_000


def _one_line(text: str) -> str:
    # a newline would start a new KEY=VALUE assignment in the datagram
    return " ".join(text.split())
