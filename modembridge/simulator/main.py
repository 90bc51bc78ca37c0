"""``modembridge simulator``: a simulated modem on a pty (+ optional HTTP control API)."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from modembridge.simulator.control import ControlServer, parse_listen
from modembridge.simulator.engine import SimModem
from modembridge.simulator.operations import SimOperations
from modembridge.simulator.profiles import get_profile
from modembridge.simulator.pty_server import PtyServer
from modembridge.simulator.state import SimConfig

__all__ = ["SimulatorStack", "run_simulator", "validate_config"]


def validate_config(config: SimConfig) -> None:
    """Reject settings a user could mistype.

    Raises:
        ValueError: one line saying what is wrong.
    """
    get_profile(config.profile)
    if not 1 <= config.slots <= 255:
        raise ValueError("--slots must be between 1 and 255")
    if config.latency < 0 or config.sms_latency < 0:
        raise ValueError("latencies must not be negative")
    if config.pin and not (config.pin.isdigit() and 4 <= len(config.pin) <= 8):
        raise ValueError("--pin must be 4 to 8 digits")
    if not config.number.lstrip("+").isdigit():
        raise ValueError("--number must be digits with an optional leading +")


class SimulatorStack:
    """A started SimModem + PtyServer (+ ControlServer): what the CLI and test fixtures run."""

    def __init__(self, link: str, config: SimConfig, control: str | None = None) -> None:
        validate_config(config)
        self.modem = SimModem(config)
        self.operations = SimOperations(self.modem)
        self.pty = PtyServer(self.modem, link)
        self.control: ControlServer | None = None
        if control is not None:
            host, port = parse_listen(control)
            self.control = ControlServer(self.operations, host, port)

    @property
    def link(self) -> str:
        """The symlink the host opens."""
        return self.pty.link

    @property
    def control_url(self) -> str | None:
        """``http://host:port`` of the control API (None without one)."""
        return self.control.url if self.control is not None else None

    def start(self) -> None:
        """Start the modem, the pty and the control API (all or nothing)."""
        self.modem.start()
        try:
            self.pty.start()
        except BaseException:
            self.modem.stop()
            self._close_control()
            raise
        if self.control is not None:
            self.control.start()

    def _close_control(self) -> None:
        if self.control is not None:
            self.control.stop()
            self.control = None

    def stop(self) -> None:
        """Stop everything in reverse order; the link is removed."""
        self._close_control()
        self.pty.stop()
        self.modem.stop()


def run_simulator(
    link: str,
    profile: str = "generic",
    control: str | None = None,
    latency: float = 0.0,
    slots: int = 20,
    pin: str = "",
    number: str = "+15550009999",
    *,
    sms_latency: float = 0.0,
    stop: threading.Event | None = None,
) -> None:
    """Run a simulated modem on a pty at ``link`` until SIGTERM/SIGINT (or ``stop`` is set).

    Args:
        link: path of the symlink to create (points at the pty slave, e.g. /dev/pts/5).
        profile: generic, sim800, huawei or quectel.
        control: "HOST:PORT" of the HTTP control API, or None for none.
        latency: seconds before each command is answered.
        slots: SIM storage slots.
        pin: SIM PIN ("" for none).
        number: the SIM's own number.
        sms_latency: seconds between Ctrl-Z and +CMGS.
        stop: set it to stop (for embedding; signals also stop it in the main thread).

    Raises:
        ValueError: a bad option (one line, for the CLI to print).
        OSError: the link or the control port cannot be created.
    """
    config = SimConfig(
        profile=profile,
        latency=latency,
        sms_latency=sms_latency,
        slots=slots,
        pin=pin,
        number=number,
    )
    done = stop or threading.Event()
    stack = SimulatorStack(link, config, control)
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
    stack.start()
    try:
        where = f"; control API on {stack.control_url}" if stack.control_url else ""
        print(
            f"simulated modem ({get_profile(profile).name}) on {stack.link} -> "
            f"{stack.pty.tty_name}{where}",
            file=sys.stderr,
            flush=True,
        )
        while not done.wait(1.0):
            pass
    finally:
        stack.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
