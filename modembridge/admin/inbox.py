"""The two-way inbox: threads by contact (newest first), unread markers, one thread's messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import from_iso, to_iso
from modembridge.rules.context import handover_active
from modembridge.store.db import Database

SHOW_FILTERS = ("all", "unread", "replied")
_NAME_SQL = "COALESCE(NULLIF(c.name, ''), TRIM(c.first_name || ' ' || c.last_name), '')"


@dataclass(frozen=True)
class Thread:
    """One contact's conversation in the inbox list."""

    phone: str
    name: str
    unread: int
    total: int
    last_text: str
    last_direction: str
    last_status: str
    last_at: datetime


@dataclass(frozen=True)
class ThreadMessage:
    """One message inside a conversation."""

    id: int
    direction: str
    text: str
    status: str
    kind: str | None
    source: str | None
    segments: int
    encoding: str | None
    modem: str | None
    error: str | None
    incomplete: bool
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    unread: bool  # inbound and not read before this view

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ThreadMessage:
        """Build from a `SELECT * FROM messages` row."""
        return cls(
            id=row["id"],
            direction=row["direction"],
            text=row["text"],
            status=row["status"],
            kind=row["kind"],
            source=row["source"],
            segments=row["segments"],
            encoding=row["encoding"],
            modem=row["modem"],
            error=row["error"],
            incomplete=bool(row["incomplete"]),
            created_at=from_iso(row["created_at"]),
            sent_at=from_iso(row["sent_at"]) if row["sent_at"] else None,
            delivered_at=from_iso(row["delivered_at"]) if row["delivered_at"] else None,
            unread=row["direction"] == "in" and row["read_at"] is None,
        )


@dataclass(frozen=True)
class Handover:
    """Automation paused for a contact: a person has the conversation until `until`."""

    since: datetime
    until: datetime


class Inbox:
    """Reads and the one write (read markers) of the conversations pages."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        """Read from and mark in `db`."""
        self._db = db
        self._clock = clock

    def threads(
        self, *, query: str = "", show: str = "all", limit: int = 50, offset: int = 0
    ) -> list[Thread]:
        """Conversations, the one with the newest message first.

        Args:
            query: part of a number or a contact name (case-insensitive); empty for all.
            show: "all", "unread" (has unread inbound) or "replied" (has any inbound).
            limit: at most this many threads.
            offset: skip this many (paging).
        """
        having = {"all": "", "unread": "HAVING unread > 0", "replied": "HAVING inbound > 0"}
        where, params = "", []
        if query.strip():
            pattern = "%" + _escape_like(query.strip().lower()) + "%"
            where = (
                "WHERE t.phone LIKE ? ESCAPE '\\' OR LOWER(c.name || ' ' || c.first_name"
                " || ' ' || c.last_name) LIKE ? ESCAPE '\\'"
            )
            params = [pattern, pattern]
        rows = self._db.connection().execute(
            f"SELECT t.phone, t.unread, t.total, m.text, m.direction, m.status, m.created_at,"
            f" {_NAME_SQL} AS name"
            " FROM (SELECT phone, MAX(id) AS last_id, COUNT(*) AS total,"
            "  SUM(direction = 'in') AS inbound,"
            "  SUM(direction = 'in' AND read_at IS NULL) AS unread"
            f"  FROM messages GROUP BY phone {having[show]}) AS t"
            " JOIN messages m ON m.id = t.last_id"
            " LEFT JOIN contacts c ON c.phone = t.phone"
            f" {where} ORDER BY t.last_id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [
            Thread(
                phone=r["phone"],
                name=r["name"] or "",
                unread=r["unread"] or 0,
                total=r["total"],
                last_text=r["text"],
                last_direction=r["direction"],
                last_status=r["status"],
                last_at=from_iso(r["created_at"]),
            )
            for r in rows
        ]

    def unread_total(self) -> int:
        """Unread inbound messages over all threads (for the navigation badge)."""
        row = (
            self._db.connection()
            .execute("SELECT COUNT(*) FROM messages WHERE direction = 'in' AND read_at IS NULL")
            .fetchone()
        )
        return int(row[0])

    def contact_name(self, phone: str) -> str:
        """The contact's display name, or "" when the number is not a contact."""
        row = (
            self._db.connection()
            .execute(f"SELECT {_NAME_SQL} FROM contacts c WHERE c.phone = ?", (phone,))
            .fetchone()
        )
        return str(row[0]) if row and row[0] else ""

    def messages(self, phone: str, limit: int = 500) -> list[ThreadMessage]:
        """The last `limit` messages with `phone`, oldest first."""
        rows = self._db.connection().execute(
            "SELECT * FROM (SELECT * FROM messages WHERE phone = ? ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            (phone, limit),
        )
        return [ThreadMessage.from_row(r) for r in rows]

    def handover(self, phone: str) -> Handover | None:
        """The contact's active handover (keyword rules stay quiet), or None.

        Active as the rules engine sees it: not timed out and not yet ended by an admin
        reply (modembridge.rules.context.handover_active).
        """
        conn = self._db.connection()
        if not handover_active(conn, phone, self._clock()):
            return None
        row = conn.execute(
            "SELECT since, until FROM handovers WHERE phone = ?", (phone,)
        ).fetchone()
        return Handover(from_iso(row["since"]), from_iso(row["until"]))

    def mark_read(self, phone: str) -> int:
        """Mark every inbound message from `phone` read; return how many were unread."""
        unread = (
            self._db.connection()
            .execute(
                "SELECT 1 FROM messages WHERE phone = ? AND direction = 'in' AND read_at IS NULL"
                " LIMIT 1",
                (phone,),
            )
            .fetchone()
        )
        if unread is None:  # the usual case: no write lock for a page view
            return 0
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE messages SET read_at = ? WHERE phone = ? AND direction = 'in'"
                " AND read_at IS NULL",
                (to_iso(self._clock()), phone),
            )
        return cur.rowcount


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
