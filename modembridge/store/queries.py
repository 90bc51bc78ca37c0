"""Read-only queries for the API and the pages (snapshots; they never lock writers out)."""

from __future__ import annotations

from datetime import datetime

from modembridge.clock import to_iso
from modembridge.store.db import Database
from modembridge.store.records import MessageRecord


class MessageQueries:
    """Look up messages and conversations."""

    def __init__(self, db: Database) -> None:
        """Read from `db`."""
        self._db = db

    def get(self, message_id: int) -> MessageRecord | None:
        """One message by id."""
        row = (
            self._db.connection()
            .execute("SELECT * FROM messages WHERE id = ?", (message_id,))
            .fetchone()
        )
        return MessageRecord.from_row(row) if row else None

    def search(
        self,
        *,
        direction: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[MessageRecord]:
        """Newest first, filtered by direction, status and creation time."""
        clauses, params = [], []
        if direction:
            clauses.append("direction = ?")
            params.append(direction)
        if status:
            clauses.append("status = ?")
            params.append(status)
        if since:
            clauses.append("created_at >= ?")
            params.append(to_iso(since))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.connection().execute(
            f"SELECT * FROM messages {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [MessageRecord.from_row(r) for r in rows]

    def conversation(self, phone: str, limit: int = 500) -> list[MessageRecord]:
        """Both directions with one number, oldest first (the last `limit` messages)."""
        rows = self._db.connection().execute(
            "SELECT * FROM (SELECT * FROM messages WHERE phone = ? ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            (phone, limit),
        )
        return [MessageRecord.from_row(r) for r in rows]

    def part_references(self, message_id: int) -> list[int | None]:
        """TP-MR of each outbound part, in part order."""
        rows = self._db.connection().execute(
            "SELECT mr FROM message_parts WHERE message_id = ? ORDER BY seq", (message_id,)
        )
        return [r[0] for r in rows]
