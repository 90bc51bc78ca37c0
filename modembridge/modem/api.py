"""What the supervisor exchanges with the rest of the application: sinks, sources, results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from modembridge.sms import Deliver, StatusReport, SubmitPdu

__all__ = [
    "InboundSink",
    "InboundSms",
    "JobResult",
    "OutboundJob",
    "OutboundSource",
    "PartResult",
    "PinGuard",
]


@dataclass(frozen=True)
class InboundSms:
    """One SMS (or status report) read from the modem.

    Attributes:
        storage: the memory it was read from ("SM"), None for a +CDS/+CMT that was never
            stored.
        index: its storage index, None when not stored.
        pdu: the PDU hex as the modem gave it (SMSC part included).
        decoded: the decoded Deliver or StatusReport; None when undecodable.
        error: the PduError message when undecodable (the raw PDU is still kept).
        received_at: when the bridge read it (UTC).
    """

    storage: str | None
    index: int | None
    pdu: str
    decoded: Deliver | StatusReport | None
    error: str | None
    received_at: datetime


class InboundSink(Protocol):
    """Where inbound SMS go; the SIM copy is deleted only after ``persist`` returns."""

    def persist(self, modem_name: str, message: InboundSms) -> None:
        """Commit ``message`` durably (raise to keep it on the SIM for a later retry).

        Delivery is at-least-once: a crash between the commit and ``AT+CMGD`` hands the
        same PDU over again, so the sink must dedupe (sender, SCTS, concat, PDU hash).
        """
        ...


@dataclass(frozen=True)
class OutboundJob:
    """One message to send: its parts already encoded (concat reference chosen by the caller)."""

    id: int | str
    parts: tuple[SubmitPdu, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PartResult:
    """What happened to one part.

    Attributes:
        index: 0-based part number.
        status: "sent" (``reference`` is its TP-MR), "failed" (the modem refused it),
            "unknown" (silence after the PDU: maybe sent, never retry automatically) or
            "not_sent" (never written: an earlier part failed, the port died, stopping).
        reference: TP-MR for "sent" (-1 if the modem gave none).
        error: one line for the log and the API.
        code: +CMS/+CME code when the modem gave one.
        transient: retrying later may work (table-driven for CMS codes).
    """

    index: int
    status: str
    reference: int | None = None
    error: str | None = None
    code: int | None = None
    transient: bool = False


@dataclass(frozen=True)
class JobResult:
    """Per-part results of one job, in part order."""

    job_id: int | str
    parts: tuple[PartResult, ...]

    @property
    def status(self) -> str:
        """Overall outcome: "sent" (all parts), "unknown" (any part unknown) or "failed"."""
        if all(part.status == "sent" for part in self.parts):
            return "sent"
        if any(part.status == "unknown" for part in self.parts):
            return "unknown"
        return "failed"

    @property
    def transient(self) -> bool:
        """True when every unsent part may be retried (no unknown, no permanent refusal)."""
        return all(
            p.status == "sent" or (p.status != "unknown" and p.transient) for p in self.parts
        )

    @property
    def references(self) -> tuple[int | None, ...]:
        """TP-MR of each part (None where not sent)."""
        return tuple(part.reference for part in self.parts)


class OutboundSource(Protocol):
    """The outbox as the supervisor sees it; pacing and retries are the source's business."""

    def next_job(self, modem_name: str) -> OutboundJob | None:
        """Claim the next job for this modem, or None (nothing due, or pacing says wait)."""
        ...

    def next_check(self, modem_name: str) -> float | None:
        """After ``next_job`` returned None: seconds until work may be due (None: no idea).

        Lets pacing windows and scheduled sends be served on time without polling.
        """
        ...

    def part_starting(self, job: OutboundJob, index: int) -> None:
        """Part ``index`` is about to be handed to the modem.

        Commit this durably before returning: after it, a crash cannot tell whether the part
        reached the network, so the message must not be sent again automatically.
        """
        ...

    def part_finished(self, job: OutboundJob, result: PartResult) -> None:
        """The modem answered for one part (its TP-MR, or its error); record it at once."""
        ...

    def job_result(self, job: OutboundJob, result: JobResult) -> None:
        """Record the outcome of a claimed job (called exactly once per claimed job)."""
        ...


class PinGuard(Protocol):
    """Durable memory of refused PINs, so a restart never spends another SIM attempt.

    A wrong PIN costs one of three attempts, then the SIM needs its PUK (FIELD-NOTES 1):
    the supervisor asks here before sending a PIN and records every refusal.
    """

    def refused(self, modem_name: str, pin: str) -> str | None:
        """Why this PIN was refused before (never send it again), or None."""
        ...

    def record_refusal(self, modem_name: str, pin: str, reason: str) -> None:
        """Remember, durably, that the SIM refused this PIN (or needs the PUK)."""
        ...

    def forget(self, modem_name: str) -> None:
        """An operator fixed the SIM: allow one attempt again."""
        ...
