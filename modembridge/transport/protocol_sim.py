"""pyserial URL handler for ``sim://``: a simulated modem inside the process.

pyserial imports this module when ``"modembridge.transport"`` is in
``serial.protocol_handler_packages`` (see ``modembridge.transport.urls``)::

    sim://                      generic profile, simulator name "sim"
    sim://sim800?latency=0.1    vendor profile and options
    sim://huawei?slots=5&pin=1234&sms_latency=1&number=%2B15550009999&name=b&seed=7

The modem lives in :mod:`modembridge.simulator.registry`, so closing and re-opening the URL
reaches the same device (its SIM storage persists). The unplug fault kills open handles:
``read``/``write`` raise :class:`serial.SerialException`, and ``open`` fails with "No such file
or directory" until the device returns.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from serial import PortNotOpenError, SerialBase, SerialException

from modembridge.simulator import registry
from modembridge.simulator.engine import SimModem
from modembridge.simulator.state import SimConfig

__all__ = ["Serial"]


class Serial(SerialBase):
    """A pyserial port wired to an in-process :class:`SimModem`."""

    BAUDRATES = SerialBase.BAUDRATES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cond = threading.Condition()
        self._buffer = bytearray()
        self._modem: SimModem | None = None
        self._dead = False
        self._cancelled = False
        super().__init__(*args, **kwargs)

    # --- open / close ------------------------------------------------------------------------

    def from_url(self, url: str) -> tuple[str, SimConfig]:
        """Validate a sim:// URL; returns (simulator name, config)."""
        try:
            return registry.parse_sim_url(url)
        except ValueError as exc:
            raise SerialException(f"{url}: {exc}") from None

    def open(self) -> None:
        """Attach to the simulator named by the URL (created on first use)."""
        if self.is_open:
            raise SerialException("Port is already open.")
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        name, config = self.from_url(str(self.port))
        try:
            modem = registry.get_or_create(name, config).modem
        except ValueError as exc:
            raise SerialException(f"{self.port}: {exc}") from None
        if not modem.plugged:
            raise SerialException(f"could not open port {self.port}: No such file or directory")
        if self.exclusive and modem.has_output():
            raise SerialException(f"Could not exclusively lock port {self.port}: port busy")
        with self._cond:
            self._buffer.clear()
            self._dead = False
            self._modem = modem
        modem.add_device_listener(self)
        modem.set_output(self._receive)
        self.is_open = True

    def close(self) -> None:
        """Detach from the modem (it keeps running; output while closed is lost)."""
        modem = self._modem
        if self.is_open and modem is not None:
            modem.clear_output(self._receive)
            modem.remove_device_listener(self)
        with self._cond:
            self.is_open = False
            self._cond.notify_all()
        super().close()

    def _reconfigure_port(self, force_update: bool = False) -> None:
        """Line settings mean nothing to an in-process modem."""

    # --- device events (called under the modem lock: only flags) -----------------------------

    def _receive(self, data: bytes) -> None:
        with self._cond:
            self._buffer += data
            self._cond.notify_all()

    def device_removed(self) -> None:
        """Unplug: this handle is dead for good, like a tty whose USB device vanished."""
        modem = self._modem
        if modem is not None:
            modem.clear_output(self._receive)
        with self._cond:
            self._dead = True
            self._cond.notify_all()

    def device_returned(self) -> None:
        """The device is back; only a new ``open`` reaches it."""

    # --- I/O ---------------------------------------------------------------------------------

    def _check(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        if self._dead:
            raise SerialException(
                "device reports readiness to read but returned no data "
                "(device disconnected or multiple access on port?)"
            )

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read."""
        with self._cond:
            self._check()
            return len(self._buffer)

    def read(self, size: int = 1) -> bytes:
        """Read up to ``size`` bytes, waiting at most ``timeout`` seconds (None: forever)."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        with self._cond:
            self._cancelled = False
            while len(self._buffer) < size and not self._cancelled:
                if not self._buffer:
                    self._check()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            if not self._buffer:
                self._check()
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    def write(self, b: Any, /) -> int:
        """Send bytes to the modem."""
        data = bytes(b)
        with self._cond:
            self._check()
            modem = self._modem
        if modem is not None:
            modem.feed(data)
        return len(data)

    def cancel_read(self) -> None:
        """Wake a blocked ``read``."""
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def reset_input_buffer(self) -> None:
        """Drop bytes not read yet."""
        with self._cond:
            self._check()
            self._buffer.clear()

    def reset_output_buffer(self) -> None:
        """Nothing is ever queued on the way out."""
        with self._cond:
            self._check()

    @property
    def out_waiting(self) -> int:
        """Always 0: writes reach the modem at once."""
        return 0

    # --- modem control lines: a USB modem has none that matter -------------------------------

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        """Clear To Send (always)."""
        return True

    @property
    def dsr(self) -> bool:
        """Data Set Ready (always)."""
        return True

    @property
    def ri(self) -> bool:
        """Ring Indicator (never)."""
        return False

    @property
    def cd(self) -> bool:
        """Carrier Detect (always)."""
        return True
