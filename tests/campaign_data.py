"""Test data for the campaign and flow tests: contacts, lists and tags written with SQL.

The contacts feature (issue 4) has its own service; these tests write the rows directly so
they depend only on the schema (migrations 0002 and 0004).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

STAMP = datetime(2026, 1, 1, tzinfo=UTC).isoformat()


def add_list(conn: sqlite3.Connection, name: str) -> int:
    """Create a list; returns its id."""
    cur = conn.execute("INSERT INTO lists (name, created_at) VALUES (?, ?)", (name, STAMP))
    return int(cur.lastrowid or 0)


def add_contact(
    conn: sqlite3.Connection,
    phone: str,
    subscription: str = "subscribed",
    *,
    first_name: str = "",
    timezone: str | None = None,
    fields: dict[str, Any] | None = None,
    lists: Iterable[int] = (),
    tags: Iterable[str] = (),
) -> int:
    """Create a contact (in lists, with tags); returns its id."""
    cur = conn.execute(
        "INSERT INTO contacts (phone, first_name, subscription, timezone, fields, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (phone, first_name, subscription, timezone, json.dumps(fields or {}), STAMP, STAMP),
    )
    contact_id = int(cur.lastrowid or 0)
    for list_id in lists:
        conn.execute(
            "INSERT INTO list_members (list_id, contact_id, added_at) VALUES (?, ?, ?)",
            (list_id, contact_id, STAMP),
        )
    for tag in tags:
        conn.execute("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)", (contact_id, tag))
    return contact_id


def suppress(conn: sqlite3.Connection, phone: str) -> None:
    """Put a number on the permanent opt-out list."""
    conn.execute(
        "INSERT INTO suppressions (phone, reason, at) VALUES (?, 'opt-out', ?)", (phone, STAMP)
    )


def bulk_list(conn: sqlite3.Connection, list_id: int, count: int, start: int = 0) -> None:
    """`count` subscribed members of a list, numbers +1212555xxxx style (one transaction)."""
    conn.execute("BEGIN")
    for i in range(start, start + count):
        cur = conn.execute(
            "INSERT INTO contacts (phone, first_name, subscription, created_at, updated_at)"
            " VALUES (?, ?, 'subscribed', ?, ?)",
            (f"+1212{5000000 + i:07d}", f"C{i}", STAMP, STAMP),
        )
        conn.execute(
            "INSERT INTO list_members (list_id, contact_id, added_at) VALUES (?, ?, ?)",
            (list_id, cur.lastrowid, STAMP),
        )
    conn.execute("COMMIT")


def messages(conn: sqlite3.Connection, source: str = "campaign") -> list[sqlite3.Row]:
    """Outbound messages from one source, by id."""
    return conn.execute("SELECT * FROM messages WHERE source = ? ORDER BY id", (source,)).fetchall()
