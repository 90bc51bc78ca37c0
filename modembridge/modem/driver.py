"""ModemDriver: one AT command in flight over one port, in the caller's thread.

No reader thread: every read happens inside ``command``/``send_pdu``/``poll``, so nothing can
race the owner of the port (python-gsmmodem's reader thread died on one bad byte and handed
late replies to the next command; FIELD-NOTES 3.1-3.5). Unsolicited codes seen at any time are
queued and handed out by ``take_urcs``/``poll``; a timeout always ends with a resync so that a
late reply can never answer the next command.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from modembridge.at import (
    AtParser,
    AtTimeout,
    Echo,
    Event,
    FinalResult,
    Garbage,
    InfoLine,
    Prompt,
    Urc,
    cmgs,
    error_for,
    parse_cmgs,
)
from modembridge.modem.errors import InvalidCommand, ModemUnresponsive, SendOutcomeUnknown
from modembridge.modem.wirelog import redact
from modembridge.sms import SubmitPdu
from modembridge.transport.urls import SerialLike

log = logging.getLogger(__name__)

CTRL_Z = b"\x1a"
ESC = b"\x1b"
_FORBIDDEN = ("\r", "\n", "\x1a", "\x1b")
_MAX_PORT_TIMEOUT = 0.2  # reads must return often enough to honour deadlines and wake-ups
_DRAIN_LIMIT = 3.0  # a modem that never goes quiet is stuck in a loop: give up draining
_OWED_WAIT = 1.5  # a swallowed command never answers: stop waiting for its result by then
_PROMPT_GRACE = 0.5  # quiet time after which a bare ">" (no space) counts as the prompt


@dataclass(frozen=True)
class Response:
    """A successful command: the info lines between the command and its final ``OK``."""

    command: str
    lines: tuple[str, ...]
    final: FinalResult


@dataclass(frozen=True)
class DriverStats:
    """Counters since the driver was created (``commands`` includes resync pings)."""

    commands: int = 0
    timeouts: int = 0
    garbage_events: int = 0
    resyncs: int = 0
    urcs: int = 0
    stray_lines: int = 0

    def __add__(self, other: DriverStats) -> DriverStats:
        """Counters of two sessions together."""
        names = DriverStats.__dataclass_fields__
        return DriverStats(**{name: getattr(self, name) + getattr(other, name) for name in names})


@dataclass
class _Collected:
    lines: list[str]
    final: FinalResult | None = None
    prompted: bool = False


def check_command(command: str) -> None:
    """Reject commands that would break AT framing or smuggle an SMS body.

    Raises:
        InvalidCommand: empty, or containing CR, LF, Ctrl-Z or ESC.
    """
    if not command or any(ch in command for ch in _FORBIDDEN):
        raise InvalidCommand(f"invalid AT command {command!r}")


class ModemDriver:
    """Speaks AT over ``port``; single-threaded, used only by the thread that owns the port.

    Args:
        port: an open serial-like port with a short read timeout (see ``open_port``).
        parser: the sans-I/O AT parser (a fresh ``AtParser`` by default).
        wire_log: logger for the redacted wire log; None (the default) logs nothing.
        clock: monotonic clock, injectable for tests.
        quiet_period: how long the line must stay silent for a drain to finish.
    """

    def __init__(
        self,
        port: SerialLike,
        *,
        parser: AtParser | None = None,
        wire_log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
        quiet_period: float = 0.3,
    ) -> None:
        self._port = port
        self._parser = parser if parser is not None else AtParser()
        self._wire = wire_log
        self._clock = clock
        self._quiet = quiet_period
        self._urcs: deque[Urc] = deque()
        self._stats = DriverStats()
        # Sticky: echo came back, so the modem was reset (ATE0 lost); the owner clears it
        # after re-running the init sequence.
        self.saw_echo = False
        if port.timeout is None or port.timeout > _MAX_PORT_TIMEOUT:
            port.timeout = 0.05

    @property
    def port(self) -> SerialLike:
        """The underlying port (the owner closes it)."""
        return self._port

    @property
    def stats(self) -> DriverStats:
        """A snapshot of the counters."""
        return self._stats

    def command(
        self, command: str, *, timeout: float = 5.0, expect_prompt: bool = False
    ) -> Response:
        """Send one AT command and wait for its final result.

        Args:
            command: e.g. "AT+CSQ" (no CR; added here).
            timeout: seconds to wait for the final result.
            expect_prompt: return as soon as the "> " prompt arrives (final is then OK).

        Returns:
            The info lines and final result.

        Raises:
            CmeError, CmsError, CommandError: the modem answered with an error.
            AtTimeout: no final result in time (the driver resynced before raising).
            ModemUnresponsive: the resync after the timeout failed.
            InvalidCommand: the command contains CR, LF, Ctrl-Z or ESC.
        """
        check_command(command)
        self._start(command, expect_prompt=expect_prompt)
        got = self._collect(command, self._clock() + timeout, until_prompt=expect_prompt)
        self._parser.command_finished()
        if got.prompted:
            return Response(command, tuple(got.lines), FinalResult("OK", None, "> "))
        if got.final is None:
            self._timed_out()
            raise AtTimeout(command, timeout)
        if not got.final.ok:
            raise error_for(command, got.final)
        return Response(command, tuple(got.lines), got.final)

    def send_pdu(
        self, pdu: SubmitPdu, *, prompt_timeout: float = 10.0, result_timeout: float = 60.0
    ) -> int:
        """Send one SMS-SUBMIT with ``AT+CMGS`` and return its TP-MR.

        Args:
            pdu: the encoded part.
            prompt_timeout: seconds to wait for the "> " prompt (nothing sent yet).
            result_timeout: seconds to wait for "+CMGS: <mr>" after Ctrl-Z.

        Returns:
            The message reference (TP-MR), or -1 if the modem said OK without one.

        Raises:
            CmsError, CommandError: refused (before or after the PDU); not sent.
            AtTimeout: the prompt never came; ESC was sent, nothing left the modem.
            SendOutcomeUnknown: silence after the PDU; the SMS may have been sent.
        """
        command = cmgs(pdu.tpdu_length)
        self._start(command, expect_prompt=True)
        got = self._collect(command, self._clock() + prompt_timeout, until_prompt=True)
        if not got.prompted:
            self._parser.command_finished()
            if got.final is not None:
                raise error_for(command, got.final)
            self._timed_out()  # the resync writes ESC first, so the modem leaves text entry
            raise AtTimeout(command, prompt_timeout)
        return self._finish_send(command, pdu, result_timeout)

    def _finish_send(self, command: str, pdu: SubmitPdu, result_timeout: float) -> int:
        try:
            self._write(pdu.hex.encode("ascii") + CTRL_Z, f"<PDU {pdu.tpdu_length} octets>^Z")
            got = self._collect(command, self._clock() + result_timeout, until_prompt=False)
        except OSError as exc:  # SerialException is an OSError: the port died mid-send
            self._parser.command_finished()
            raise SendOutcomeUnknown(command, result_timeout, followup=exc) from exc
        self._parser.command_finished()
        if got.final is None:
            followup: BaseException | None = None
            try:
                self._timed_out()
            except (ModemUnresponsive, OSError) as exc:
                followup = exc
            raise SendOutcomeUnknown(command, result_timeout, followup=followup)
        if not got.final.ok:
            raise error_for(command, got.final)
        return _message_reference(got.lines)

    def poll(self, timeout: float, *, interrupt: Callable[[], bool] | None = None) -> list[Urc]:
        """Wait up to ``timeout`` seconds for unsolicited codes (blocking reads, no busy loop).

        Returns early as soon as a URC is queued or ``interrupt()`` turns true.
        """
        deadline = self._clock() + timeout
        while not self._urcs and not (interrupt is not None and interrupt()):
            if self._clock() >= deadline:
                break
            self._absorb(self._read_events())
        return self.take_urcs()

    def take_urcs(self) -> list[Urc]:
        """Return and clear the URCs queued so far (also those seen during commands)."""
        urcs = list(self._urcs)
        self._urcs.clear()
        return urcs

    def resync(self, *, owed: int = 1) -> None:
        """Bring the session back to a known idle state after a timeout.

        ESC leaves a stuck "> " prompt, CR ends a half-typed line, everything late is drained,
        a fresh ``AT`` must answer ``OK``, and the line must stay quiet again.

        Args:
            owed: final results the modem may still send for timed-out commands; the final
                drain waits for them (up to a few seconds) so none can answer a later command.

        Raises:
            ModemUnresponsive: nothing answered ``AT``.
        """
        self._bump(resyncs=1)
        if not self.wake(attempts=3, owed=owed):
            raise ModemUnresponsive("no answer to AT after resync")

    def wake(self, *, attempts: int = 5, owed: int = 0) -> bool:
        """Get a freshly opened (or confused) modem to a clean idle state.

        The same steps as ``resync``, with more ``AT`` tries by default (an autobauding SIM800
        loses the first ones) and without counting a resync.

        Returns:
            True once an ``AT`` answered ``OK``.
        """
        self._parser.command_finished()
        self._write(ESC + b"\r", "<ESC><CR>")
        owed = self._drain(owed, wait=False)
        for _ in range(attempts):
            owed += 1  # every AT written earns exactly one final result, sooner or later
            ok, finals = self._ping_once()
            owed -= finals
            if ok:
                self._drain(owed, wait=True)
                self._parser.reset()
                return True
        return False

    def _ping_once(self, timeout: float = 1.0) -> tuple[bool, int]:
        """Write ``AT``; (True, finals seen) once an OK arrives that no other reply precedes.

        An OK right after foreign lines (``+CSQ: ...``) closes a late reply, not our AT.
        """
        self._start("AT", expect_prompt=False, drain=False)
        deadline = self._clock() + timeout
        finals, foreign = 0, False
        while self._clock() < deadline:
            events = self._read_events()
            for i, event in enumerate(events):
                if isinstance(event, FinalResult):
                    finals += 1
                    if event.ok and not foreign:
                        self._absorb(events[i + 1 :])
                        return True, finals
                    foreign = False
                    self._parser.command_started("AT")  # ours is still to come
                elif isinstance(event, InfoLine) or (isinstance(event, Urc) and not event.name):
                    foreign = True
                elif isinstance(event, Echo):
                    self.saw_echo = True
                else:
                    self._absorb([event])
        self._parser.command_finished()
        return False, finals

    # -- internals ---------------------------------------------------------------------------

    def _start(self, command: str, *, expect_prompt: bool, drain: bool = True) -> None:
        if drain:
            self._absorb_available()
        self._parser.command_started(command, expect_prompt=expect_prompt)
        self._bump(commands=1)
        self._write(command.encode("ascii") + b"\r", command)

    def _collect(self, command: str, deadline: float, *, until_prompt: bool) -> _Collected:
        got = _Collected(lines=[])
        last_data = self._clock()
        while True:
            events = self._read_events()
            if events:
                last_data = self._clock()
            elif until_prompt and self._clock() - last_data >= _PROMPT_GRACE:
                events = self._parser.flush()  # a bare ">" without the space is a prompt too
                last_data = self._clock()
            for i, event in enumerate(events):
                if isinstance(event, FinalResult):
                    got.final = event
                elif isinstance(event, Prompt) and until_prompt:
                    got.prompted = True
                elif isinstance(event, InfoLine):
                    got.lines.append(event.text)
                    continue
                elif isinstance(event, Echo):
                    self.saw_echo = self.saw_echo or event.text.upper() == command.upper()
                    continue
                else:
                    self._absorb([event])
                    continue
                self._absorb(events[i + 1 :])  # URCs right behind the result still count
                return got
            if self._clock() >= deadline:
                return got

    def _timed_out(self) -> None:
        self._bump(timeouts=1)
        self.resync()

    def _drain(self, owed: int, *, wait: bool) -> int:
        """Route everything late until the line is quiet; returns the finals still owed.

        With ``wait`` it also waits (up to a few seconds) for the ``owed`` final results.
        """
        start = quiet_since = self._clock()
        while True:
            now = self._clock()
            settled = owed <= 0 or not wait or now - start >= _OWED_WAIT
            if now - start >= _DRAIN_LIMIT or (settled and now - quiet_since >= self._quiet):
                return owed
            events = self._read_events()
            if events:
                quiet_since = self._clock()
                owed -= sum(isinstance(event, FinalResult) for event in events)
                self._absorb(events)

    def _absorb_available(self) -> None:
        """Route whatever already waits in the input buffer (idle URCs) without blocking."""
        for _ in range(64):  # bounded: a babbling modem must not keep us here
            if self._port.in_waiting <= 0:
                return
            self._absorb(self._read_events())

    def _absorb(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, Urc) and event.name:
                self._urcs.append(event)
                self._bump(urcs=1)
            elif isinstance(event, Garbage):
                self._bump(garbage_events=1)
                log.debug("garbage from modem (%s): %d bytes", event.reason, len(event.data))
            else:  # a late reply, a stray OK: never an answer to anything
                self._bump(stray_lines=1)
                log.debug("stray line from modem: %s", redact(_event_text(event)))

    def _read_events(self) -> list[Event]:
        data = self._port.read(max(1, self._port.in_waiting))
        if not data:
            return []
        events = self._parser.feed(data)
        if self._wire is not None and self._wire.isEnabledFor(logging.DEBUG):
            for event in events:
                self._wire.debug("RX %s", redact(_event_text(event)))
        return events

    def _write(self, data: bytes, shown: str) -> None:
        if self._wire is not None and self._wire.isEnabledFor(logging.DEBUG):
            self._wire.debug("TX %s", redact(shown))
        self._port.write(data)

    def _bump(self, **deltas: int) -> None:
        current = self._stats
        values = {name: getattr(current, name) + delta for name, delta in deltas.items()}
        self._stats = replace(current, **values)


def _message_reference(lines: Sequence[str]) -> int:
    for line in lines:
        if line.upper().startswith("+CMGS"):
            return parse_cmgs(line)
    return -1


def _event_text(event: Event) -> str:
    if isinstance(event, Garbage):
        return f"<garbage {len(event.data)} bytes: {event.reason}>"
    if isinstance(event, Prompt):
        return "> "
    if isinstance(event, Urc) and event.payload is not None:
        return f"{event.text} | {event.payload}"
    return event.text
