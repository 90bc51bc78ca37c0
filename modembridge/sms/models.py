"""Value types of the SMS codec: encodings, segment plans, encoded and decoded PDUs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "AssembledMessage",
    "ConcatInfo",
    "Deliver",
    "Encoding",
    "SegmentPlan",
    "StatusReport",
    "Submit",
    "SubmitPdu",
]


class Encoding(StrEnum):
    """Alphabet of a text message (the 8-bit data alphabet is reported as the plain str "8bit")."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class ConcatInfo:
    """Concatenation information element: part ``sequence`` of ``total`` (1-based)."""

    reference: int
    total: int
    sequence: int
    bits: int  # 8 or 16 (size of the reference field)


@dataclass(frozen=True)
class SegmentPlan:
    """How a text is split into SMS parts.

    ``units`` are GSM-7 septets (an extension character such as "€" counts 2) or UTF-16 code
    units (an emoji outside the BMP counts 2).
    """

    encoding: Encoding
    parts: tuple[str, ...]
    units_per_part: int
    units_used_last: int
    units_left: int
    ucs2_forcing_chars: tuple[str, ...]

    @property
    def part_count(self) -> int:
        """Number of SMS parts (0 for an empty text)."""
        return len(self.parts)


@dataclass(frozen=True)
class SubmitPdu:
    """One encoded SMS-SUBMIT ready for ``AT+CMGS=<tpdu_length>`` followed by ``hex`` + Ctrl-Z."""

    hex: str
    tpdu_length: int
    text: str = ""
    encoding: Encoding = Encoding.GSM7
    concat: ConcatInfo | None = None


@dataclass(frozen=True)
class Deliver:
    """A decoded SMS-DELIVER (an incoming message or one part of it)."""

    sender: str
    sender_type: str  # "international" | "national" | "alphanumeric" | "unknown"
    smsc: str | None
    timestamp: datetime
    text: str
    encoding: Encoding | str  # Encoding.GSM7, Encoding.UCS2 or "8bit"
    concat: ConcatInfo | None
    flash: bool
    pdu: str
    protocol_id: int = 0
    dcs: int = 0
    # UTF-16-BE payload of a UCS-2 part: lets combine_parts rejoin a surrogate pair that a
    # phone split across two parts (text shows U+FFFD for each half in that case).
    ucs2_data: bytes | None = None


@dataclass(frozen=True)
class StatusReport:
    """A decoded SMS-STATUS-REPORT."""

    message_reference: int
    recipient: str
    timestamp: datetime
    discharge_time: datetime
    status: int
    outcome: str  # "delivered" | "pending" | "failed"
    pdu: str
    smsc: str | None = None


@dataclass(frozen=True)
class Submit:
    """A decoded SMS-SUBMIT (what the simulator receives through ``AT+CMGS``)."""

    destination: str
    text: str
    encoding: Encoding | str
    concat: ConcatInfo | None
    message_reference: int
    status_report_requested: bool
    flash: bool
    validity_minutes: int | None
    pdu: str
    smsc: str | None = None
    destination_type: str = "unknown"
    tpdu_length: int = 0
    dcs: int = 0


@dataclass(frozen=True)
class AssembledMessage:
    """A whole incoming message (possibly incomplete after a reassembly timeout)."""

    sender: str
    text: str
    parts_received: int
    parts_total: int
    complete: bool
    missing: tuple[int, ...]
    first_timestamp: datetime
    pdus: tuple[str, ...]
    concat_reference: int | None = None
    sender_type: str = "unknown"
