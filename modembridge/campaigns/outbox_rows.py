"""Writing outbox rows inside a caller's transaction (campaign batches, flow steps).

`OutboxRepository.enqueue` opens its own transaction per message; a campaign batch of 500
and a flow step (message + step log + instance pointer) must commit as one, so the same
insert is done here on the caller's connection. A repeated idempotency key inserts nothing
and returns None: that is what makes re-planning after a crash or a double trigger harmless.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from modembridge.campaigns.planner import Planned
from modembridge.clock import to_iso
from modembridge.store.outbox import _next_concat_ref, add_history


@dataclass(frozen=True)
class OutboundRow:
    """One message to queue."""

    phone: str
    text: str
    kind: str
    encoding: str
    segments: int
    idempotency_key: str
    send_at: datetime
    source: str
    source_id: int


def marketing_row(plan: Planned, source: str, source_id: int) -> OutboundRow:
    """The outbox row of a planned marketing message."""
    return OutboundRow(
        phone=plan.phone,
        text=plan.text,
        kind="marketing",
        encoding=plan.encoding,
        segments=plan.segments,
        idempotency_key=plan.idempotency_key,
        send_at=plan.send_at,
        source=source,
        source_id=source_id,
    )


def insert_queued(conn: sqlite3.Connection, row: OutboundRow, now: datetime) -> int | None:
    """Queue `row`; its message id, or None when its idempotency key already exists."""
    due = row.send_at if row.send_at > now else now
    cur = conn.execute(
        "INSERT INTO messages (direction, phone, text, kind, priority, status, encoding,"
        " segments, idempotency_key, concat_ref, send_at, due_at, created_at, source,"
        " source_id) VALUES ('out', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO NOTHING",
        (
            row.phone,
            row.text,
            row.kind,
            0 if row.kind == "transactional" else 1,
            row.encoding,
            row.segments,
            row.idempotency_key,
            0,
            to_iso(row.send_at),
            to_iso(due),
            to_iso(now),
            row.source,
            row.source_id,
        ),
    )
    if cur.rowcount == 0:
        return None
    message_id = int(cur.lastrowid or 0)
    if row.segments > 1:
        # Same per-destination reference scheme as the API path (store.outbox).
        ref = _next_concat_ref(conn, row.phone)
        conn.execute("UPDATE messages SET concat_ref = ? WHERE id = ?", (ref, message_id))
    add_history(conn, message_id, "queued", None, now)
    return message_id
