"""Row types returned by the repositories (frozen dataclasses, never sqlite3.Row)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import from_iso

# Statuses after which nothing more happens to an outbound message.
FINAL_STATUSES = frozenset({"delivered", "failed", "expired", "suppressed", "unknown"})
OUTBOUND_STATUSES = frozenset(
    {"queued", "sending", "sent", "delivered", "failed", "expired", "suppressed", "unknown"}
)


@dataclass(frozen=True)
class MessageRecord:
    """One message, either direction, as the API shows it."""

    id: int
    direction: str
    phone: str
    modem: str | None
    text: str
    kind: str | None
    status: str
    encoding: str | None
    segments: int
    idempotency_key: str | None
    created_at: datetime
    send_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    error: str | None
    attempts: int
    incomplete: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MessageRecord:
        """Build from a `SELECT * FROM messages` row."""
        return cls(
            id=row["id"],
            direction=row["direction"],
            phone=row["phone"],
            modem=row["modem"],
            text=row["text"],
            kind=row["kind"],
            status=row["status"],
            encoding=row["encoding"],
            segments=row["segments"],
            idempotency_key=row["idempotency_key"],
            created_at=from_iso(row["created_at"]),
            send_at=_opt_time(row["send_at"]),
            sent_at=_opt_time(row["sent_at"]),
            delivered_at=_opt_time(row["delivered_at"]),
            error=row["error"],
            attempts=row["attempts"],
            incomplete=bool(row["incomplete"]),
        )


def _opt_time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None
