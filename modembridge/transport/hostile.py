"""A deliberately hostile serial wrapper for tests (zigpy/bellows style).

It wraps a real port (the simulator on a pty, or ``sim://``) and changes only how the bytes
arrive: one at a time, at random split points, with unsolicited codes or garbage lines pushed
between the lines of a response. Writes pass straight through.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

from modembridge.transport.urls import SerialLike

Mode = Literal["clean", "bytewise", "split", "urc", "garbage", "drop_prompt"]
MODES: tuple[Mode, ...] = ("bytewise", "split", "urc", "garbage")

DEFAULT_URCS: tuple[bytes, ...] = (b"\r\nRING\r\n", b"\r\n+CREG: 1\r\n", b"\r\n^RSSI:18\r\n")
DEFAULT_GARBAGE: tuple[bytes, ...] = (b"\r\n\xff\xfe\x00garbage\r\n", b"\r\n\x80\x81\x82\r\n")
# Never inject between the two lines of a two-line URC: the modem never does that either.
_TWO_LINE_PREFIXES = (b"+CDS:", b"+CMT:", b"+CBM:")


class HostileSerial:
    """Serial-like wrapper that fragments reads and injects lines between response lines.

    Args:
        inner: the real port.
        mode: "bytewise", "split", "urc", "garbage", "drop_prompt" (the "> " SMS prompt is
            lost on the wire) or "clean" (pass-through).
        seed: seed for split points and injection choices (reproducible failures).
        inject: lines to inject in "urc"/"garbage" mode (defaults are harmless).
        every: inject after every ``every``-th complete line.
    """

    def __init__(
        self,
        inner: SerialLike,
        mode: Mode = "bytewise",
        *,
        seed: int = 0,
        inject: Sequence[bytes] | None = None,
        every: int = 2,
    ) -> None:
        self.inner = inner
        self.mode = mode
        self._rng = random.Random(seed)
        defaults = DEFAULT_GARBAGE if mode == "garbage" else DEFAULT_URCS
        self._inject = tuple(inject) if inject is not None else defaults
        self._every = max(1, every)
        self._buffer = bytearray()
        self._line = bytearray()
        self._last_line = b""  # the line just ended by \r, waiting for its \n
        self._lines_seen = 0
        self._at_line_start = True
        self._dropping = b""  # rest of a "> " prompt still to swallow
        self.injected = 0  # how many lines were injected (tests assert they really happened)

    @property
    def timeout(self) -> float | None:
        """The inner port's read timeout."""
        return self.inner.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self.inner.timeout = value

    @property
    def in_waiting(self) -> int:
        """Bytes ready without blocking (buffered here plus the inner port's)."""
        return len(self._buffer) + self.inner.in_waiting

    def read(self, size: int = 1, /) -> bytes:
        """Read up to ``size`` bytes, usually fewer."""
        if not self._buffer:
            chunk = self.inner.read(max(1, self.inner.in_waiting))
            self._buffer.extend(self._transform(chunk))
        if not self._buffer or size <= 0:
            return b""
        take = min(size, self._chunk_length())
        data = bytes(self._buffer[:take])
        del self._buffer[:take]
        return data

    def write(self, b: bytes, /) -> int | None:
        """Pass writes through unchanged."""
        return self.inner.write(b)

    def close(self) -> None:
        """Close the inner port."""
        self.inner.close()

    def _chunk_length(self) -> int:
        if self.mode == "bytewise":
            return 1
        if self.mode == "split":
            return self._rng.randint(1, 7)
        return len(self._buffer)

    def _transform(self, chunk: bytes) -> bytes:
        if self.mode == "drop_prompt":
            return self._drop_prompt(chunk)
        if self.mode not in ("urc", "garbage"):
            return chunk
        out = bytearray()
        for value in chunk:
            out.append(value)
            if value not in (0x0D, 0x0A):
                self._line.append(value)
                continue
            if self._line:
                self._last_line, self._line = bytes(self._line), bytearray()
            if value == 0x0A and self._last_line:
                line, self._last_line = self._last_line, b""
                if self._should_inject(line):
                    out.extend(self._rng.choice(self._inject))
                    self.injected += 1
        return bytes(out)

    def _drop_prompt(self, chunk: bytes) -> bytes:
        out = bytearray()
        for value in chunk:
            byte = bytes([value])
            if self._dropping and byte == self._dropping[:1]:
                self._dropping = self._dropping[1:]
                continue
            self._dropping = b""
            if self._at_line_start and byte == b">":
                self._dropping = b" "
                self.injected += 1  # counts dropped prompts in this mode
                continue
            self._at_line_start = value in (0x0D, 0x0A)
            out.append(value)
        return bytes(out)

    def _should_inject(self, line: bytes) -> bool:
        if line.startswith(_TWO_LINE_PREFIXES):
            return False
        self._lines_seen += 1
        return self._lines_seen % self._every == 0
