"""Events produced by :class:`modembridge.at.parser.AtParser` (frozen dataclasses, h11 style)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FINAL_KINDS",
    "Echo",
    "Event",
    "FinalResult",
    "Garbage",
    "InfoLine",
    "Prompt",
    "Urc",
]

# Every value FinalResult.kind can take.
FINAL_KINDS = frozenset(
    {"OK", "ERROR", "CME", "CMS", "NOT_SUPPORTED", "NO_CARRIER", "BUSY", "NO_ANSWER", "NO_DIALTONE"}
)


@dataclass(frozen=True)
class Echo:
    """The modem echoing the command in flight (or, after a prompt, the PDU we sent)."""

    text: str


@dataclass(frozen=True)
class InfoLine:
    """A response line that belongs to the command in flight (e.g. ``+CSQ: 18,99``)."""

    text: str


@dataclass(frozen=True)
class Prompt:
    """The ``> `` prompt after ``AT+CMGS=<n>``: the modem waits for the PDU and Ctrl-Z."""


@dataclass(frozen=True)
class FinalResult:
    """The line that ends a command.

    Attributes:
        kind: "OK", "ERROR", "CME", "CMS", "NOT_SUPPORTED" (Huawei "COMMAND NOT SUPPORT"),
            "NO_CARRIER", "BUSY", "NO_ANSWER" or "NO_DIALTONE".
        code: the numeric +CME/+CMS code; None for other kinds and for verbose texts that
            could not be mapped to a number.
        text: the raw line.
    """

    kind: str
    code: int | None
    text: str

    @property
    def ok(self) -> bool:
        """True only for a plain ``OK``."""
        return self.kind == "OK"


@dataclass(frozen=True)
class Urc:
    """An unsolicited result code.

    Attributes:
        name: "+CMTI", "+CDS", "^RSSI", "RING", "SMS Ready", ...; "" for unknown idle text.
        args: text after "name:" (stripped), "" if none.
        payload: the second line of a two-line URC (+CDS/+CMT/+CBM in PDU mode): the PDU
            hex; None if the URC has no second line or it never came.
        text: the raw first line.
    """

    name: str
    args: str
    payload: str | None
    text: str


@dataclass(frozen=True)
class Garbage:
    """Bytes that could not be a valid AT line (non-ASCII, control bytes, over-long line)."""

    data: bytes
    reason: str


Event = Echo | InfoLine | Prompt | FinalResult | Urc | Garbage
