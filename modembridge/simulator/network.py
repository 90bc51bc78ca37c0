"""The network side of the simulated modem: registration, signal and the SMSC's sent log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from modembridge.sms import Submit

__all__ = ["Network", "SentLog", "SentPart", "iso_utc"]


def iso_utc(moment: datetime) -> str:
    """``2026-12-01T09:00:00Z`` (the INTERFACES.md time format)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Network:
    """Cell registration and radio state; the no_network fault and AT+CFUN act on it."""

    operator: str = "SimNet"
    operator_numeric: str = "00101"
    rssi: int = 18  # 0..31 as in +CSQ
    lac: str = "1A2B"
    cell: str = "01C3"
    no_network: bool = False
    radio_on: bool = True

    @property
    def registered(self) -> bool:
        """True when the modem is registered on its home network."""
        return self.radio_on and not self.no_network

    @property
    def creg_stat(self) -> int:
        """+CREG <stat>: 1 registered home, 2 searching, 0 not searching (radio off)."""
        if not self.radio_on:
            return 0
        return 2 if self.no_network else 1

    @property
    def csq(self) -> tuple[int, int]:
        """(rssi, ber) as +CSQ reports them; 99 means unknown."""
        return (self.rssi, 0) if self.registered else (99, 99)

    @property
    def signal_dbm(self) -> int | None:
        """Signal in dBm (-113 + 2 * rssi), None without network."""
        rssi, _ = self.csq
        return None if rssi == 99 else -113 + 2 * rssi


@dataclass(frozen=True)
class SentPart:
    """One SMS-SUBMIT the SMSC accepted, with the TP-MR the modem gave it."""

    reference: int
    submit: Submit
    at: datetime


@dataclass
class _Pending:
    total: int
    parts: dict[int, SentPart] = field(default_factory=dict)


class SentLog:
    """Groups accepted parts into logical messages by (destination, concat reference, total)."""

    def __init__(self, first_reference: int = 1) -> None:
        self.next_reference = first_reference % 256
        self.messages: list[dict[str, Any]] = []
        self.parts: list[SentPart] = []
        self._pending: dict[tuple[str, int, int], _Pending] = {}

    def take_reference(self) -> int:
        """Next TP-MR (kept in the SIM, so it survives reboots), mod 256."""
        reference = self.next_reference
        self.next_reference = (reference + 1) % 256
        return reference

    def record(self, submit: Submit, reference: int, at: datetime) -> dict[str, Any] | None:
        """Record an accepted part; returns the logical message once it is complete."""
        part = SentPart(reference, submit, at)
        self.parts.append(part)
        if submit.concat is None or submit.concat.total <= 1:
            return self._complete([part])
        key = (submit.destination, submit.concat.reference, submit.concat.total)
        pending = self._pending.setdefault(key, _Pending(submit.concat.total))
        pending.parts[submit.concat.sequence] = part
        if len(pending.parts) < pending.total:
            return None
        del self._pending[key]
        return self._complete([pending.parts[seq] for seq in sorted(pending.parts)])

    def _complete(self, parts: list[SentPart]) -> dict[str, Any]:
        first = parts[0].submit
        message = {
            "to": first.destination,
            "text": "".join(p.submit.text for p in parts),
            "encoding": str(first.encoding),
            "parts": len(parts),
            "references": [p.reference for p in parts],
            "pdus": [p.submit.pdu for p in parts],
            "at": iso_utc(parts[-1].at),
        }
        self.messages.append(message)
        return message

    def find_report_target(self, reference: int) -> SentPart | None:
        """The latest part sent with TP-MR ``reference`` (MRs wrap at 256)."""
        for part in reversed(self.parts):
            if part.reference == reference:
                return part
        return None

    def clear(self) -> None:
        """Forget everything sent (POST /reset)."""
        self.messages.clear()
        self.parts.clear()
        self._pending.clear()
