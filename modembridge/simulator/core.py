"""The wire side of the simulated modem: input buffering, echo, one command at a time, timers.

Everything runs on one worker thread under one re-entrant lock; other threads only append
input (``feed``) or call the public methods of :class:`~modembridge.simulator.engine.SimModem`,
which take the same lock. Delays (command latency, send latency, USSD answers, unplug) are timers
on that thread, so nothing ever sleeps while holding the lock and the control API never blocks.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from modembridge.simulator import commands_basic, commands_sms  # noqa: F401  (register handlers)
from modembridge.simulator.cmdline import (
    ERROR,
    CommandFailed,
    Reply,
    cms,
    format_block,
    format_result,
    parse_command_line,
)
from modembridge.simulator.handlers import dispatch
from modembridge.simulator.state import ModemState, SimConfig

__all__ = ["MAX_LINE", "DeviceListener", "ModemCore", "OutputSink"]

logger = logging.getLogger(__name__)

MAX_LINE = 1024  # longer command lines (or typed PDUs) are answered with an error
_MAX_INPUT = 65536  # input kept while a command runs; a flood beyond it is dropped
_CTRL_Z, _ESC, _BACKSPACE = 0x1A, 0x1B, 0x08
_PRINTABLE = frozenset(range(0x20, 0x7F))

OutputSink = Callable[[bytes], None]


class DeviceListener(Protocol):
    """A transport that must follow the device disappearing and returning (unplug fault)."""

    def device_removed(self) -> None:
        """The USB device is gone: close the port, remove the tty."""

    def device_returned(self) -> None:
        """The device is back (a new tty)."""


def _strip_noise(raw: bytes) -> bytes:
    """Apply backspaces and drop line noise in front of ``AT`` (modems hunt for ``AT``)."""
    kept = bytearray()
    for byte in raw:
        if byte == _BACKSPACE:
            del kept[-1:]
        else:
            kept.append(byte)
    start = 0
    while start < len(kept) and (kept[start] not in _PRINTABLE or kept[start] == 0x20):
        start += 1
    return bytes(kept[start:])


class ModemCore:
    """Command-line engine: feed bytes in, get framed responses out through the sink."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self._cond = threading.Condition(threading.RLock())
        self.state = ModemState.create(self.config, self)
        self.rng = random.Random(self.config.seed)
        self._timers: list[tuple[float, int, int | None, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._epoch = 0  # bumped by reboot/hang/unplug: cancels answers still in flight
        self._inbuf = bytearray()
        self._overflow = False
        self._busy = False
        self._prompt: Callable[[str], Reply] | None = None
        self._sink: OutputSink | None = None
        self.plugged = True
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.wire_log: deque[str] = deque(maxlen=1000)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="sim-modem", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the worker thread and wait for it."""
        with self._cond:
            self._stopping = True
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    # --- wire --------------------------------------------------------------------------------

    def set_output(self, sink: OutputSink | None) -> None:
        """Where response bytes go (None: nobody listening, output is lost like on a real port)."""
        with self._cond:
            self._sink = sink

    def has_output(self) -> bool:
        """True while some transport listens (a port is open on the device)."""
        with self._cond:
            return self._sink is not None

    def clear_output(self, sink: OutputSink) -> None:
        """Detach ``sink`` if it is still the current one."""
        with self._cond:
            if self._sink == sink:
                self._sink = None

    def feed(self, data: bytes) -> None:
        """Bytes from the host (never blocks on command processing)."""
        if not data:
            return
        with self._cond:
            self.wire_log.append(f"> {data!r}")
            if not self.plugged or self.state.faults.hung(time.monotonic()):
                return  # an unplugged or hung modem swallows input
            room = _MAX_INPUT - len(self._inbuf)
            self._inbuf += data[: max(room, 0)]
            self._cond.notify_all()

    def _write(self, data: bytes) -> None:
        """Bytes to the host, dropped when nobody listens or the device is gone/hung."""
        if not data or not self.plugged or self.state.faults.hung(time.monotonic()):
            return
        self.wire_log.append(f"< {data!r}")
        if self._sink is not None:
            try:
                self._sink(data)
            except Exception:  # a transport problem must not kill the modem
                logger.exception("simulator output sink failed")

    def emit_urc(self, lines: list[str]) -> None:
        """Write unsolicited result codes now, each framed on its own."""
        with self._cond:
            for line in lines:
                self._write(format_block([line]))

    def noise(self, size: int) -> bytes:
        """Random line noise: high bytes and control characters, never CR/LF/Ctrl-Z/ESC."""
        pool = [b for b in range(0x100) if b >= 0x80 or (b < 0x20 and b not in (10, 13, 26, 27))]
        return bytes(self.rng.choice(pool) for _ in range(size))

    # --- timers ------------------------------------------------------------------------------

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` on the worker after ``delay`` s; cancelled by reboot/hang/unplug."""
        self._schedule(delay, action, persistent=False)

    def _schedule(self, delay: float, action: Callable[[], None], *, persistent: bool) -> None:
        with self._cond:
            due = time.monotonic() + max(delay, 0.0)
            epoch = None if persistent else self._epoch
            heapq.heappush(self._timers, (due, next(self._seq), epoch, action))
            self._cond.notify_all()

    def _interrupt(self) -> None:
        """Forget the command in flight and any half-typed input (reboot, hang, unplug)."""
        self._epoch += 1
        self._busy = False
        self._prompt = None
        self._overflow = False
        self._inbuf.clear()

    # --- worker ------------------------------------------------------------------------------

    def _run(self) -> None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._run_due_timers(now):
                    continue
                if not self._busy and not self.state.faults.hung(now) and self._take_input():
                    continue
                timeout = self._timers[0][0] - now if self._timers else None
                self._cond.wait(timeout)

    def _run_due_timers(self, now: float) -> bool:
        ran = False
        while self._timers and self._timers[0][0] <= now:
            _, _, epoch, action = heapq.heappop(self._timers)
            if epoch is not None and epoch != self._epoch:
                continue
            ran = True
            try:
                action()
            except Exception:  # one broken action must not stop the modem
                logger.exception("simulator timer action failed")
        return ran

    def _take_input(self) -> bool:
        """Start processing the next complete command line or prompt input, if any."""
        return self._take_prompt_input() if self._prompt is not None else self._take_line()

    def _take_line(self) -> bool:
        buf = self._inbuf
        if b"\n" in buf:
            buf[:] = buf.replace(b"\n", b"")  # the LF of CR LF means nothing to a modem
        pos = buf.find(b"\r")
        if pos < 0:
            if len(buf) > MAX_LINE:
                self._overflow = True
                buf.clear()
            return False
        raw = bytes(buf[:pos])
        del buf[: pos + 1]
        if self._overflow:
            self._overflow = False
            self._answer(Reply(result=ERROR))
            return True
        if not _strip_noise(raw):
            return True  # empty line or a lone ESC: nothing to answer
        if self.state.settings.echo:
            self._write(raw + b"\r")
        self._busy = True
        self.schedule(self.config.latency, lambda: self._execute(raw))
        return True

    def _take_prompt_input(self) -> bool:
        buf = self._inbuf
        ends = [p for p in (buf.find(bytes([_CTRL_Z])), buf.find(bytes([_ESC]))) if p >= 0]
        if not ends:
            if len(buf) > MAX_LINE:
                self._overflow = True
                buf.clear()
            return False
        pos = min(ends)
        payload, terminator = bytes(buf[:pos]), buf[pos]
        del buf[: pos + 1]
        handler, self._prompt = self._prompt, None
        if self.state.settings.echo:
            self._write(payload)
        if terminator == _ESC or handler is None:
            self._answer(Reply())  # ESC cancels the send: OK, nothing sent
        elif self._overflow:
            self._overflow = False
            self._answer(Reply(result=cms(304)))
        else:
            text = payload.decode("latin-1")
            self._answer(self._safely(lambda: handler(text)))
        return True

    def _execute(self, raw: bytes) -> None:
        """Run every command of one line and write the combined answer."""
        line = _strip_noise(raw)
        if line[:2].upper() != b"AT" or any(b not in _PRINTABLE for b in line):
            self._answer(Reply(result=ERROR))
            return
        try:
            commands = parse_command_line(line[2:].decode("ascii"))
        except ValueError:
            self._answer(Reply(result=ERROR))
            return
        before = b""
        for cmd in commands:
            reply = self._safely(functools.partial(dispatch, self.state, cmd))
            if reply.prompt or reply.deferred or reply.result.kind != "OK":
                self._answer(reply, before)  # the rest of the line is not executed
                return
            before += format_block(reply.lines)
        self._answer(Reply(), before)

    @staticmethod
    def _safely(action: Callable[[], Reply]) -> Reply:
        try:
            return action()
        except CommandFailed as failed:
            return Reply(result=failed.result)
        except Exception:  # firmware answers ERROR rather than dying
            logger.exception("simulator command failed")
            return Reply(result=ERROR)

    def _answer(self, reply: Reply, before: bytes = b"") -> None:
        """Write a reply; a deferred reply keeps the modem busy until it is due."""
        deferred = reply.deferred
        if deferred is not None:
            self._write_response(before)
            self._busy = True
            self.schedule(reply.delay, lambda: self._answer(self._safely(deferred)))
            return
        if reply.prompt is not None:
            self._write_response(before + b"\r\n> ")
            self._prompt = reply.prompt
            self._busy = False
            return
        block = format_block(reply.lines)
        self._write_response(before + block + format_result(reply.result, self.state.settings.cmee))
        self._busy = False
        self._after_command()

    def _write_response(self, data: bytes) -> None:
        faults = self.state.faults
        if data and faults.garbage_count > 0:
            faults.garbage_count -= 1
            data = self.noise(faults.garbage_bytes) + data
        self._write(data)

    # --- Host hooks, implemented by SimModem --------------------------------------------------

    def _after_command(self) -> None:
        """The link is free again (held indications may go out)."""

    def reboot(self, *, announce: bool) -> None:
        """Restart the firmware (see SimModem)."""
        raise NotImplementedError

    def sim_ready(self) -> None:
        """The SIM was unlocked (see SimModem)."""

    def registration_changed(self) -> None:
        """Radio or network changed (see SimModem)."""

    def flush_indications(self) -> None:
        """CNMI changed (see SimModem)."""

    def storage_changed(self) -> None:
        """A slot was freed (see SimModem)."""
