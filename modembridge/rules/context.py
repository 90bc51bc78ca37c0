"""Load what the engine needs about one inbound message from the store."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from modembridge.clock import from_iso, to_iso
from modembridge.contacts.store import contact_row, suppression
from modembridge.numbers import is_machine_sender
from modembridge.rules.engine import ContactView, Context, Inbound
from modembridge.rules.repository import coupon_slots, load_rules
from modembridge.rules.safety import SafetyPolicy, SenderHistory

AUTO_SOURCES = ("rule", "compliance")


def load_inbound(conn: sqlite3.Connection, message_id: int) -> Inbound | None:
    """The inbound message `message_id`, or None if there is no such inbound message."""
    row = conn.execute(
        "SELECT phone, text, error FROM messages WHERE id = ? AND direction = 'in'",
        (message_id,),
    ).fetchone()
    if row is None:
        return None
    return inbound_for(row["phone"], row["text"], message_id, row["error"])


def inbound_for(
    phone: str, text: str, message_id: int | None = None, error: str | None = None
) -> Inbound:
    """An Inbound; senders that are not phone numbers never get auto-replies."""
    machine = not phone.startswith("+") or is_machine_sender(phone)
    return Inbound(phone, text, message_id, decode_error=error, machine_sender=machine)


def load_context(
    conn: sqlite3.Connection, inbound: Inbound, safety: SafetyPolicy, now: datetime
) -> Context:
    """Contact, rules, coupon slots and reply history for the sender of `inbound`."""
    row = contact_row(conn, inbound.phone)
    contact = ContactView(
        first_name=row["first_name"] if row else "",
        last_name=row["last_name"] if row else "",
        subscription=row["subscription"] if row else "none",
        suppressed=suppression(conn, inbound.phone) is not None,
    )
    return Context(
        inbound=inbound,
        contact=contact,
        rules=load_rules(conn),
        coupons=coupon_slots(conn, inbound.phone),
        history=sender_history(conn, inbound.phone, safety, now),
    )


def sender_history(
    conn: sqlite3.Connection, phone: str, safety: SafetyPolicy, now: datetime
) -> SenderHistory:
    """Recent auto-replies to `phone`, how fast each was answered, and any handover."""
    since = to_iso(now - safety.reply_window)
    marks = ",".join("?" * len(AUTO_SOURCES))
    count = conn.execute(
        "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND phone = ?"
        f" AND source IN ({marks}) AND created_at >= ?",
        (phone, *AUTO_SOURCES, since),
    ).fetchone()[0]
    rows = conn.execute(
        "SELECT m.sent_at, (SELECT MIN(i.created_at) FROM messages i WHERE i.direction = 'in'"
        " AND i.phone = m.phone AND i.created_at >= m.sent_at) AS answered"
        " FROM messages m WHERE m.direction = 'out' AND m.phone = ?"
        f" AND m.source IN ({marks}) AND m.sent_at >= ? ORDER BY m.sent_at DESC LIMIT 3",
        (phone, *AUTO_SOURCES, since),
    ).fetchall()
    gaps = tuple(
        (from_iso(r["answered"]) - from_iso(r["sent_at"])).total_seconds()
        if r["answered"]
        else None
        for r in rows
    )
    return SenderHistory(int(count), gaps, handover_active(conn, phone, now))


def handover_active(conn: sqlite3.Connection, phone: str, now: datetime) -> bool:
    """A person has the conversation: a handover that has not timed out and that no admin
    reply (an outbound message with source 'admin') has ended yet."""
    row = conn.execute(
        "SELECT since FROM handovers WHERE phone = ? AND until > ?", (phone, to_iso(now))
    ).fetchone()
    if row is None:
        return False
    answered = conn.execute(
        "SELECT 1 FROM messages WHERE direction = 'out' AND phone = ? AND source = 'admin'"
        " AND created_at >= ? LIMIT 1",
        (phone, row["since"]),
    ).fetchone()
    return answered is None
