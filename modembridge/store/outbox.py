"""The outbox: accepted messages wait here until a modem supervisor claims them.

Every outbound message ends `sent`/`delivered`, `failed` (with the reason), `expired`,
`suppressed` or `unknown`. Before a part's PDU is written to the modem the part is committed
as `submitting`; a crash after that point cannot tell whether the network got it, so the
message becomes `unknown` instead of being sent twice (see `recover_interrupted`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import from_iso, to_iso
from modembridge.store.db import Database
from modembridge.store.records import MessageRecord


class IdempotencyConflict(ValueError):
    """The idempotency key was already used for a different message."""


@dataclass(frozen=True)
class NewMessage:
    """An outbound message as accepted from the API, a rule, a campaign or a flow."""

    phone: str
    text: str
    kind: str
    encoding: str
    segments: int
    idempotency_key: str | None = None
    send_at: datetime | None = None
    expires_at: datetime | None = None
    flash: bool = False
    request_report: bool = True
    source: str = "api"  # api | admin | rule | compliance | campaign | flow
    source_id: int | None = None


@dataclass(frozen=True)
class ClaimedMessage:
    """A message a modem has claimed for sending, with the parts already sent earlier."""

    record: MessageRecord
    concat_ref: int
    flash: bool
    request_report: bool
    parts_done: frozenset[int]


class OutboxRepository:
    """Queue operations on `messages` / `message_parts`, each in one transaction."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every read and write."""
        self._db = db

    def enqueue(self, new: NewMessage, now: datetime) -> tuple[MessageRecord, bool]:
        """Accept a message; return it and whether it was created (False: idempotent repeat).

        Raises:
            IdempotencyConflict: the key names a different message.
        """
        with self._db.transaction() as conn:
            return enqueue_in(conn, new, now)

    def expire_due(self, now: datetime) -> int:
        """Mark queued messages past their expiry `expired`; return how many."""
        stamp = to_iso(now)
        with self._db.transaction() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM messages WHERE direction = 'out' AND status = 'queued'"
                    " AND expires_at IS NOT NULL AND expires_at <= ?",
                    (stamp,),
                )
            ]
            for message_id in ids:
                set_status(conn, message_id, "expired", "validity period passed", now)
        return len(ids)

    def claim(
        self, modem: str, now: datetime, up_modems: frozenset[str], max_parts: int | None = None
    ) -> ClaimedMessage | None:
        """Take the most urgent due message this modem may send, and mark it `sending`.

        Transactional messages go first. A message to a contact who last talked to another
        modem waits for that modem while it is up (replies come from the same number).
        `max_parts` skips messages larger than the pacing allowance.
        """
        others = sorted(up_modems - {modem})
        marks = ",".join("?" * len(others))
        sticky = f"AND (c.last_modem IS NULL OR c.last_modem NOT IN ({marks}))" if others else ""
        size = "AND m.segments <= ?" if max_parts is not None else ""
        params: list[object] = [to_iso(now), *others]
        if max_parts is not None:
            params.append(max_parts)
        with self._db.transaction() as conn:
            while True:
                row = conn.execute(
                    "SELECT m.*, c.subscription AS subscription, EXISTS (SELECT 1 FROM"
                    " suppressions s WHERE s.phone = m.phone) AS opted_out"
                    " FROM messages m LEFT JOIN contacts c ON c.phone = m.phone"
                    " WHERE m.direction = 'out' AND m.status = 'queued' AND m.due_at <= ?"
                    f" {sticky} {size} ORDER BY m.priority, m.due_at, m.id LIMIT 1",
                    params,
                ).fetchone()
                if row is None:
                    return None
                blocked = marketing_block(row)
                if blocked is None:
                    break
                # Consent is checked again at send time: an opt-out after queueing wins.
                set_status(conn, row["id"], "suppressed", blocked, now)
            conn.execute(
                "UPDATE messages SET status = 'sending', modem = ?, attempts = attempts + 1"
                " WHERE id = ?",
                (modem, row["id"]),
            )
            add_history(conn, row["id"], "sending", modem, now)
            done = frozenset(
                r[0]
                for r in conn.execute(
                    "SELECT seq FROM message_parts WHERE message_id = ? AND status = 'sent'",
                    (row["id"],),
                )
            )
            fresh = conn.execute("SELECT * FROM messages WHERE id = ?", (row["id"],)).fetchone()
        return ClaimedMessage(
            record=MessageRecord.from_row(fresh),
            concat_ref=row["concat_ref"] or 0,
            flash=bool(row["flash"]),
            request_report=bool(row["request_report"]),
            parts_done=done,
        )

    def part_submitting(self, message_id: int, seq: int, modem: str, now: datetime) -> None:
        """Commit that part `seq` is about to be written to the modem (crash = `unknown`)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO message_parts (message_id, seq, modem, status, sent_at)"
                " VALUES (?, ?, ?, 'submitting', ?) ON CONFLICT (message_id, seq) DO UPDATE"
                " SET modem = excluded.modem, status = 'submitting', error = NULL",
                (message_id, seq, modem, to_iso(now)),
            )

    def part_sent(self, message_id: int, seq: int, mr: int, now: datetime) -> None:
        """Record the TP-MR the modem gave part `seq`."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE message_parts SET status = 'sent', mr = ?, sent_at = ?"
                " WHERE message_id = ? AND seq = ?",
                (mr, to_iso(now), message_id, seq),
            )

    def part_not_sent(self, message_id: int, seq: int, error: str) -> None:
        """The modem refused the part (a definite error, so it did not go out)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE message_parts SET status = 'failed', error = ?"
                " WHERE message_id = ? AND seq = ?",
                (error, message_id, seq),
            )

    def finish(self, message_id: int, status: str, detail: str | None, now: datetime) -> None:
        """Set the outcome of a send attempt: `sent`, `failed` or `unknown`."""
        with self._db.transaction() as conn:
            if status == "sent":
                conn.execute(
                    "UPDATE messages SET sent_at = ?, error = NULL WHERE id = ?",
                    (to_iso(now), message_id),
                )
                conn.execute(
                    "UPDATE contacts SET last_modem = (SELECT modem FROM messages WHERE id = ?)"
                    " WHERE phone = (SELECT phone FROM messages WHERE id = ?)",
                    (message_id, message_id),
                )
            set_status(conn, message_id, status, detail, now)

    def retry_later(self, message_id: int, error: str, at: datetime, now: datetime) -> None:
        """Put a message back in the queue after a transient error."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE messages SET next_attempt_at = ?, due_at = ? WHERE id = ?",
                (to_iso(at), to_iso(at), message_id),
            )
            set_status(conn, message_id, "queued", f"retry at {to_iso(at)}: {error}", now)

    def next_due(self, now: datetime) -> datetime | None:
        """When the next queued message that is not yet due becomes due."""
        row = (
            self._db.connection()
            .execute(
                "SELECT MIN(due_at) FROM messages WHERE direction = 'out' AND status = 'queued'"
                " AND due_at > ?",
                (to_iso(now),),
            )
            .fetchone()
        )
        return from_iso(row[0]) if row and row[0] else None

    def requeue(self, message_id: int, reason: str, now: datetime) -> None:
        """Back to the queue at once, the attempt not counted: nothing reached the modem
        (the port went away first), so another modem may take it right now."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE messages SET due_at = ?, attempts = MAX(attempts - 1, 0) WHERE id = ?",
                (to_iso(now), message_id),
            )
            set_status(conn, message_id, "queued", reason, now)

    def recover_interrupted(self, now: datetime) -> tuple[int, int]:
        """After a crash: `sending` messages go back to the queue, or to `unknown` when a part
        was being submitted (it may have reached the network). Returns (requeued, unknown)."""
        requeued = unknown = 0
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT id FROM messages WHERE direction = 'out' AND status = 'sending'"
            ).fetchall()
            for (message_id,) in rows:
                submitting = conn.execute(
                    "SELECT COUNT(*) FROM message_parts WHERE message_id = ?"
                    " AND status = 'submitting'",
                    (message_id,),
                ).fetchone()[0]
                if submitting:
                    detail = "interrupted while the modem was sending; not retried"
                    set_status(conn, message_id, "unknown", detail, now)
                    unknown += 1
                else:
                    set_status(conn, message_id, "queued", "interrupted before sending", now)
                    requeued += 1
        return requeued, unknown

    def parts_sent_since(self, modem: str, since: datetime) -> int:
        """Parts this modem handed to the network since `since` (pacing and the daily cap)."""
        row = (
            self._db.connection()
            .execute(
                "SELECT COUNT(*) FROM message_parts WHERE modem = ? AND sent_at >= ?"
                " AND status IN ('submitting', 'sent', 'delivered', 'failed_report', 'pending')",
                (modem, to_iso(since)),
            )
            .fetchone()
        )
        return int(row[0])


def enqueue_in(
    conn: sqlite3.Connection, new: NewMessage, now: datetime
) -> tuple[MessageRecord, bool]:
    """`OutboxRepository.enqueue` inside the caller's transaction (a keyword reply is queued
    atomically with the opt-out or coupon it answers).

    Raises:
        IdempotencyConflict: the key names a different message.
    """
    if new.idempotency_key is not None:
        existing = conn.execute(
            "SELECT * FROM messages WHERE idempotency_key = ?", (new.idempotency_key,)
        ).fetchone()
        if existing is not None:
            if existing["phone"] != new.phone or existing["text"] != new.text:
                raise IdempotencyConflict(
                    f"idempotency key {new.idempotency_key!r} was used for another message"
                )
            return MessageRecord.from_row(existing), False
    due = new.send_at if new.send_at and new.send_at > now else now
    cur = conn.execute(
        "INSERT INTO messages (direction, phone, text, kind, priority, status, encoding,"
        " segments, idempotency_key, flash, request_report, concat_ref, send_at,"
        " expires_at, due_at, created_at, source, source_id)"
        " VALUES ('out', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.phone,
            new.text,
            new.kind,
            0 if new.kind == "transactional" else 1,
            new.encoding,
            new.segments,
            new.idempotency_key,
            int(new.flash),
            int(new.request_report),
            _next_concat_ref(conn, new.phone) if new.segments > 1 else 0,
            to_iso(new.send_at) if new.send_at else None,
            to_iso(new.expires_at) if new.expires_at else None,
            to_iso(due),
            to_iso(now),
            new.source,
            new.source_id,
        ),
    )
    message_id = int(cur.lastrowid or 0)
    add_history(conn, message_id, "queued", None, now)
    row = conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
    return MessageRecord.from_row(row), True


def marketing_block(row: sqlite3.Row) -> str | None:
    """Why a queued message may not be sent now for lack of marketing consent, or None.

    Marketing needs a `subscribed` contact whose number is not on the suppression list;
    transactional messages are never blocked by a marketing opt-out.
    """
    if row["kind"] != "marketing":
        return None
    if row["opted_out"]:
        return "recipient opted out (suppression list)"
    if row["subscription"] != "subscribed":
        return f"recipient is not subscribed to marketing ({row['subscription'] or 'no contact'})"
    return None


def add_history(
    conn: sqlite3.Connection, message_id: int, status: str, detail: str | None, now: datetime
) -> None:
    """Append to a message's status history."""
    conn.execute(
        "INSERT INTO status_history (message_id, status, detail, at) VALUES (?, ?, ?, ?)",
        (message_id, status, detail, to_iso(now)),
    )


def set_status(
    conn: sqlite3.Connection, message_id: int, status: str, detail: str | None, now: datetime
) -> None:
    """Change a message's status (and error text for failures) with a history entry."""
    error = detail if status in {"failed", "unknown", "expired", "suppressed"} else None
    conn.execute(
        "UPDATE messages SET status = ?, error = COALESCE(?, error) WHERE id = ?",
        (status, error, message_id),
    )
    add_history(conn, message_id, status, detail, now)


def _next_concat_ref(conn: sqlite3.Connection, phone: str) -> int:
    # Per destination and persistent, so a phone never sees two live messages with one ref.
    row = conn.execute("SELECT last_ref FROM concat_refs WHERE phone = ?", (phone,)).fetchone()
    ref = ((row[0] if row else -1) + 1) % 256
    conn.execute(
        "INSERT INTO concat_refs (phone, last_ref) VALUES (?, ?)"
        " ON CONFLICT (phone) DO UPDATE SET last_ref = excluded.last_ref",
        (phone, ref),
    )
    return ref
