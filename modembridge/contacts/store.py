"""Contact, consent, suppression, list and tag writes on an open connection.

Each function works inside the caller's transaction, so the keyword handler can change a
subscription, record the consent event, suppress the number and queue the reply atomically.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from modembridge.clock import to_iso
from modembridge.store.outbox import set_status

SUBSCRIPTIONS = ("none", "pending", "subscribed", "unsubscribed")


def contact_row(conn: sqlite3.Connection, phone: str) -> sqlite3.Row | None:
    """The `contacts` row of a number, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM contacts WHERE phone = ?", (phone,)
    ).fetchone()
    return row


def ensure_contact(conn: sqlite3.Connection, phone: str, now: datetime) -> int:
    """The contact id of `phone`, creating the contact when it does not exist."""
    conn.execute(
        "INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (phone) DO NOTHING",
        (phone, to_iso(now), to_iso(now)),
    )
    return int(conn.execute("SELECT id FROM contacts WHERE phone = ?", (phone,)).fetchone()[0])


def change_subscription(
    conn: sqlite3.Connection,
    phone: str,
    status: str,
    *,
    source: str,
    actor: str | None,
    wording: str | None,
    message_id: int | None,
    now: datetime,
) -> int:
    """Set the number's marketing subscription and record the consent event; return its id.

    Args:
        status: the new value (none | pending | subscribed | unsubscribed).
        source: keyword | revocation | web | import | api | admin.
        actor: who made the change: 'sms', an admin user, an API token name.
        wording: the exact text the person sent or agreed to.
        message_id: the inbound message that caused it, if any.
    """
    if status not in SUBSCRIPTIONS:
        raise ValueError(f"unknown subscription status {status!r}")
    ensure_contact(conn, phone, now)
    conn.execute(
        "UPDATE contacts SET subscription = ?, subscription_changed_at = ?, updated_at = ?"
        " WHERE phone = ?",
        (status, to_iso(now), to_iso(now), phone),
    )
    cur = conn.execute(
        "INSERT INTO consent_events (phone, status, source, actor, wording, message_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (phone, status, source, actor, wording, message_id, to_iso(now)),
    )
    return int(cur.lastrowid or 0)


def suppress(conn: sqlite3.Connection, phone: str, reason: str, now: datetime) -> None:
    """Put the number on the suppression list; the first opt-out's date is kept."""
    conn.execute(
        "INSERT INTO suppressions (phone, reason, at) VALUES (?, ?, ?)"
        " ON CONFLICT (phone) DO NOTHING",
        (phone, reason, to_iso(now)),
    )


def unsuppress(conn: sqlite3.Connection, phone: str) -> bool:
    """Take the number off the suppression list (it opted in again); True if it was on it."""
    return conn.execute("DELETE FROM suppressions WHERE phone = ?", (phone,)).rowcount > 0


def suppression(conn: sqlite3.Connection, phone: str) -> sqlite3.Row | None:
    """The suppression row (reason, at) of a number, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT reason, at FROM suppressions WHERE phone = ?", (phone,)
    ).fetchone()
    return row


def cancel_queued_marketing(
    conn: sqlite3.Connection, phone: str, reason: str, now: datetime
) -> int:
    """Queued (and held) marketing messages to the number become `suppressed`; how many."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM messages WHERE direction = 'out' AND phone = ? AND kind = 'marketing'"
            " AND status IN ('queued', 'held')",
            (phone,),
        )
    ]
    for message_id in ids:
        set_status(conn, message_id, "suppressed", reason, now)
    return len(ids)


def list_id(conn: sqlite3.Connection, name: str, now: datetime) -> int:
    """The id of the list called `name`, creating it when needed."""
    conn.execute(
        "INSERT INTO lists (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        (name, to_iso(now)),
    )
    return int(conn.execute("SELECT id FROM lists WHERE name = ?", (name,)).fetchone()[0])


def join_list(conn: sqlite3.Connection, contact_id: int, name: str, now: datetime) -> None:
    """Add the contact to a list (created when needed)."""
    conn.execute(
        "INSERT INTO list_members (list_id, contact_id, added_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (list_id(conn, name, now), contact_id, to_iso(now)),
    )


def leave_list(conn: sqlite3.Connection, contact_id: int, name: str) -> None:
    """Remove the contact from a list (nothing happens when it was not a member)."""
    conn.execute(
        "DELETE FROM list_members WHERE contact_id = ?"
        " AND list_id = (SELECT id FROM lists WHERE name = ?)",
        (contact_id, name),
    )


def add_tag(conn: sqlite3.Connection, contact_id: int, tag: str) -> None:
    """Tag the contact."""
    conn.execute(
        "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (contact_id, tag),
    )


def remove_tag(conn: sqlite3.Connection, contact_id: int, tag: str) -> None:
    """Remove a tag from the contact."""
    conn.execute("DELETE FROM contact_tags WHERE contact_id = ? AND tag = ?", (contact_id, tag))


def lists_of(conn: sqlite3.Connection, contact_id: int) -> list[str]:
    """Names of the lists the contact is on, sorted."""
    rows = conn.execute(
        "SELECT l.name FROM list_members m JOIN lists l ON l.id = m.list_id"
        " WHERE m.contact_id = ? ORDER BY l.name",
        (contact_id,),
    )
    return [r[0] for r in rows]


def tags_of(conn: sqlite3.Connection, contact_id: int) -> list[str]:
    """The contact's tags, sorted."""
    rows = conn.execute(
        "SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag", (contact_id,)
    )
    return [r[0] for r in rows]
