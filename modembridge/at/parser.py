"""Sans-I/O AT session parser: bytes in, typed events out (h11 style).

The parser never does I/O, never raises on wire data and keeps no clock. The driver tells it
which command is in flight (:meth:`AtParser.command_started`) so it can recognise the echo,
the ``> `` prompt, and which ``+XXX:`` lines answer the command rather than being URCs.

Framing: lines end at CR, LF or CRLF; blank lines are skipped. While a prompt is expected,
``> `` at the start of a line is a Prompt at once (no line end needed; a lone ``>`` waits for
the next byte). A line longer than ``max_line`` is one Garbage event and the rest of it is
discarded up to the next line end.

Classification of a complete line, first match wins:

===================================================  =========================================
line                                                 event
===================================================  =========================================
hex (+ Ctrl-Z/ESC) after the prompt                  Echo (the PDU we typed, echoed)
non-ASCII or control bytes (other than TAB)          Garbage
hex while a two-line URC waits for its PDU           that Urc, with ``payload`` set
next line of an unclosed ``+CUSD`` quoted text       joined to it with "\\n" (SIMCom USSD)
two-line URC head (``+CDS: 25``, ``+CMT: ,25``)      held until the next line
equal to the command in flight (case-insensitive)    Echo
``OK``/``ERROR``/``+CME ERROR``/``+CMS ERROR``/...    FinalResult (also ends the command)
``>`` alone while a prompt is expected               Prompt
``<prefix of the command in flight>: ...``           InfoLine
in the URC tables                                    Urc
anything else, command in flight                     InfoLine
anything else, idle                                  Urc(name="", args="", text=line)
===================================================  =========================================

A held two-line URC that gets a non-hex line (or garbage, a prompt, an over-long line) is
emitted with ``payload=None`` before that line's own event; :meth:`AtParser.flush` releases
it when the wire went quiet. Call-progress results (NO CARRIER, BUSY, NO ANSWER, NO DIALTONE)
while idle are Urc(name=<line>) (a call ended); ``OK``/``ERROR``/``+CME``/``+CMS`` while idle
stay FinalResult: a stale reply the driver drops.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeGuard

from modembridge.at.events import Echo, Event, FinalResult, Garbage, InfoLine, Prompt, Urc
from modembridge.at.urc_table import (
    CALL_PROGRESS_KINDS,
    QUOTED_CONTINUATION,
    classify_final,
    expects_second_line,
    known_urc,
    response_prefix,
    split_name,
)

__all__ = ["AtParser"]

_TERMINATORS = re.compile(rb"[\r\n]")
_HEX_LINE = re.compile(rb"[0-9A-Fa-f]+")
# The modem echoes the PDU we typed after the prompt, usually with the Ctrl-Z (or ESC).
_PDU_ECHO = re.compile(rb"[0-9A-Fa-f]*[\x1a\x1b]?")
_BAD_BYTE = re.compile(rb"[^\t\x20-\x7e]")
MAX_QUOTED_LINES = 16  # a +CUSD text longer than this is released unterminated


class AtParser:
    """Bytes in, events out. Knows the command in flight.

    It knows it for the echo, the prompt, and which ``+XXX:`` lines are the command's
    response rather than URCs. Feeding the same bytes in any split gives the same events.
    """

    def __init__(self, *, max_line: int = 4096) -> None:
        """Create a parser.

        Args:
            max_line: longest line accepted; longer lines become one Garbage event and the
                rest of the line is discarded up to the next line end.
        """
        if max_line < 2:
            raise ValueError("max_line must be at least 2")
        self._max_line = max_line
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already known to hold no line terminator
        self._discarding = False
        self._pending: Urc | None = None  # two-line URC waiting for its PDU line
        self._quoted: Urc | InfoLine | None = None  # +CUSD whose quoted text spans lines
        self._quoted_lines = 0
        self._command: str | None = None
        self._command_key: str | None = None
        self._prefix: str | None = None
        self._expect_prompt = False
        self._prompt_seen = False

    # -- driver-facing state -------------------------------------------------------------

    @property
    def command(self) -> str | None:
        """The command in flight, or None when idle."""
        return self._command

    @property
    def pending_urc(self) -> Urc | None:
        """A two-line URC whose PDU line has not arrived yet (see :meth:`flush`)."""
        return self._pending

    @property
    def has_partial(self) -> bool:
        """True if bytes or a held line wait for more input (a half line, a two-line URC,
        an unclosed +CUSD text, a lone ``>``)."""
        held = self._pending is not None or self._quoted is not None
        return held or self._discarding or bool(self._buf)

    def command_started(self, command: str, *, expect_prompt: bool = False) -> None:
        """Tell the parser a command was written.

        Args:
            command: the command without its trailing ``\\r``, e.g. ``AT+CMGL=4``.
            expect_prompt: True for ``AT+CMGS=<n>``: ``> `` then yields a Prompt event.

        Raises:
            ValueError: if the command is empty or holds a line break.
        """
        cmd = command.strip()
        if not cmd or "\r" in cmd or "\n" in cmd:
            raise ValueError(f"not a single command line: {command!r}")
        self._command = cmd
        self._command_key = cmd.casefold()
        self._prefix = response_prefix(cmd)
        self._expect_prompt = expect_prompt
        self._prompt_seen = False

    def command_finished(self) -> None:
        """Forget the command in flight (the parser also does this on any FinalResult)."""
        self._command = None
        self._command_key = None
        self._prefix = None
        self._expect_prompt = False
        self._prompt_seen = False

    def reset(self) -> None:
        """Drop buffered partial data: a half line, a waiting two-line URC, discard mode.

        The command in flight is kept; call :meth:`command_finished` to drop it too.
        """
        self._buf.clear()
        self._scanned = 0
        self._discarding = False
        self._pending = None
        self._quoted = None

    def flush(self) -> list[Event]:
        """Give up waiting for more bytes; call only after the wire has been quiet.

        Emits a waiting two-line URC with ``payload=None``, a +CUSD whose quoted text never
        closed (as far as it got), and a lone ``>`` (a prompt with no space, when one is
        expected) as Prompt. A half line stays buffered.

        Returns:
            the events released (possibly empty).
        """
        out: list[Event] = []
        if self._expect_prompt and self._buf == b">":
            self._buf.clear()
            self._scanned = 0
            self._emit_prompt(out)
        self._release_pending(out)
        return out

    # -- parsing -------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Parse more bytes from the modem.

        Args:
            data: any chunk of the byte stream (one byte, a partial line, many lines).

        Returns:
            the events completed by these bytes, in wire order. Never raises on bad data.
        """
        self._buf += data
        out: list[Event] = []
        while self._step(out):
            pass
        return out

    def _step(self, out: list[Event]) -> bool:
        """Consume one unit (a line, a prompt, discarded bytes); False when more is needed."""
        buf = self._buf
        if self._discarding:
            match = _TERMINATORS.search(buf)
            if match is None:
                buf.clear()
                return False
            del buf[: match.end()]
            self._discarding = False
            return True
        if self._expect_prompt and buf[:1] == b">":
            if len(buf) == 1:
                return False  # ">" alone: wait for the next byte before deciding
            if buf[1:2] == b" ":
                del buf[:2]
                self._scanned = 0
                self._emit_prompt(out)
                return True
        match = _TERMINATORS.search(buf, self._scanned)
        if match is None:
            if len(buf) > self._max_line:
                self._emit_too_long(bytes(buf[: self._max_line]), out)
                buf.clear()
                self._scanned = 0
                self._discarding = True
            else:
                self._scanned = len(buf)
            return False
        line = bytes(buf[: match.start()])
        del buf[: match.end()]
        self._scanned = 0
        if len(line) > self._max_line:
            self._emit_too_long(line[: self._max_line], out)
        else:
            self._line(line, out)
        return True

    def _emit_too_long(self, sample: bytes, out: list[Event]) -> None:
        self._release_pending(out)
        out.append(Garbage(sample, f"line longer than {self._max_line} bytes"))

    def _emit_prompt(self, out: list[Event]) -> None:
        self._release_pending(out)
        self._prompt_seen = True
        out.append(Prompt())

    def _release_held_pdu(self, out: list[Event]) -> None:
        """A two-line URC got a line that is not its PDU: emit it without payload."""
        if self._pending is not None:
            out.append(self._pending)
            self._pending = None

    def _release_pending(self, out: list[Event]) -> None:
        """Emit whatever waits for a next line (two-line URC or open quote) as it is."""
        self._release_held_pdu(out)
        if self._quoted is not None:
            out.append(self._quoted)
            self._quoted = None

    def _line(self, raw: bytes, out: list[Event]) -> None:
        """Classify one complete line (without its terminator)."""
        stripped = raw.strip(b" \t")
        if not stripped:
            return
        if self._pending is not None and _HEX_LINE.fullmatch(stripped):
            out.append(replace(self._pending, payload=stripped.decode("ascii")))
            self._pending = None
            return
        if self._prompt_seen and _PDU_ECHO.fullmatch(stripped):
            self._release_pending(out)
            out.append(Echo(stripped.rstrip(b"\x1a\x1b").decode("ascii")))
            return
        bad = _BAD_BYTE.search(raw)
        if bad is not None:
            self._release_pending(out)
            out.append(Garbage(raw, _bad_reason(raw[bad.start()], bad.start())))
            return
        text = stripped.decode("ascii")
        self._release_held_pdu(out)
        if self._quoted is not None:
            if self._continue_quote(self._quoted, text, out):
                return
            self._release_pending(out)
        if self._urc_wait(text):
            return
        event = self._classify(text)
        if _opens_quote(event):
            self._quoted = event
            self._quoted_lines = 1
        else:
            out.append(event)

    def _continue_quote(self, held: Urc | InfoLine, text: str, out: list[Event]) -> bool:
        """Append a line to a +CUSD text broken by line breaks; False if it cannot belong."""
        if classify_final(text) is not None or known_urc(text) is not None:
            return False  # the modem moved on: the text was truncated
        if isinstance(held, Urc):
            held = replace(held, args=f"{held.args}\n{text}", text=f"{held.text}\n{text}")
        else:
            held = InfoLine(f"{held.text}\n{text}")
        self._quoted = held
        self._quoted_lines += 1
        if held.text.count('"') % 2 == 0 or self._quoted_lines >= MAX_QUOTED_LINES:
            self._release_pending(out)
        return True

    def _urc_wait(self, text: str) -> bool:
        """Start waiting for a two-line URC's PDU line; True if the line was taken."""
        if self._is_response(text):
            return False
        known = known_urc(text)
        if known is None or not expects_second_line(*known):
            return False
        self._pending = Urc(name=known[0], args=known[1], payload=None, text=text)
        return True

    def _is_response(self, text: str) -> bool:
        """True if the line starts with the in-flight command's response prefix."""
        if self._prefix is None:
            return False
        split = split_name(text)
        return split is not None and split[0] == self._prefix

    def _classify(self, text: str) -> Event:
        """Turn a printable line (no pending URC involved) into its event."""
        in_flight = self._command is not None
        if in_flight and text.casefold() == self._command_key:
            return Echo(text)
        final = classify_final(text)
        if final is not None:
            return self._final(final)
        if self._expect_prompt and text == ">":
            self._prompt_seen = True
            return Prompt()
        if self._is_response(text):
            return InfoLine(text)
        known = known_urc(text)
        if known is not None:
            return Urc(name=known[0], args=known[1], payload=None, text=text)
        if in_flight:
            return InfoLine(text)
        return Urc(name="", args="", payload=None, text=text)

    def _final(self, final: FinalResult) -> Event:
        if self._command is None and final.kind in CALL_PROGRESS_KINDS:
            return Urc(name=final.text.upper(), args="", payload=None, text=final.text)
        self.command_finished()
        return final


def _opens_quote(event: Event) -> TypeGuard[Urc | InfoLine]:
    """True for a +CUSD line whose quoted text is not closed on this line."""
    if not isinstance(event, Urc | InfoLine) or event.text.count('"') % 2 == 0:
        return False
    split = split_name(event.text)
    return split is not None and split[0] in QUOTED_CONTINUATION


def _bad_reason(byte: int, index: int) -> str:
    if byte >= 0x80:
        return f"non-ASCII byte 0x{byte:02X} at offset {index}"
    return f"control byte 0x{byte:02X} at offset {index}"
