"""Read-only contact queries: search, one contact with its history, lists and tags."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import from_iso, to_iso
from modembridge.contacts.model import ConsentEvent, Contact
from modembridge.contacts.store import lists_of, suppression, tags_of

SUBSCRIPTION_FILTERS = ("none", "pending", "subscribed", "unsubscribed")


@dataclass(frozen=True)
class ListInfo:
    """A contact list and how many contacts are on it."""

    id: int
    name: str
    members: int
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        """As the API shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "members": self.members,
            "created_at": to_iso(self.created_at),
        }


def search(
    conn: sqlite3.Connection,
    query: str = "",
    limit: int = 50,
    offset: int = 0,
    *,
    list_name: str | None = None,
    tag: str | None = None,
    subscription: str | None = None,
) -> tuple[list[Contact], int]:
    """Contacts matching `query` (phone, names, email; case-insensitive), newest first,
    with the total count for paging."""
    where, params = _filters(query, list_name, tag, subscription)
    total = conn.execute(f"SELECT COUNT(*) FROM contacts c {where}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT c.* FROM contacts c {where} ORDER BY c.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [_with_labels(conn, row) for row in rows], int(total)


def get(conn: sqlite3.Connection, phone: str) -> Contact | None:
    """One contact with lists, tags, suppression and consent history (oldest first)."""
    row = conn.execute("SELECT * FROM contacts WHERE phone = ?", (phone,)).fetchone()
    if row is None:
        return None
    events = conn.execute(
        "SELECT * FROM consent_events WHERE phone = ? ORDER BY id", (phone,)
    ).fetchall()
    return _with_labels(conn, row, consent=tuple(ConsentEvent.from_row(e) for e in events))


def iter_all(conn: sqlite3.Connection, list_name: str | None = None) -> Iterator[Contact]:
    """Every contact (or every member of a list), oldest first, for export."""
    where, params = _filters("", list_name, None, None)
    for row in conn.execute(f"SELECT c.* FROM contacts c {where} ORDER BY c.id", params):
        yield _with_labels(conn, row)


def lists(conn: sqlite3.Connection) -> list[ListInfo]:
    """Every list with its member count, by name."""
    rows = conn.execute(
        "SELECT l.id, l.name, l.created_at, COUNT(m.contact_id) FROM lists l"
        " LEFT JOIN list_members m ON m.list_id = l.id GROUP BY l.id ORDER BY l.name"
    )
    return [ListInfo(r[0], r[1], r[3], from_iso(r[2])) for r in rows]


def tags(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Every tag in use with how many contacts carry it, by tag."""
    rows = conn.execute("SELECT tag, COUNT(*) FROM contact_tags GROUP BY tag ORDER BY tag")
    return [(r[0], r[1]) for r in rows]


def _filters(
    query: str, list_name: str | None, tag: str | None, subscription: str | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if query.strip():
        like = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like += "%"
        clauses.append(
            "(c.phone LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\'"
            " OR c.first_name LIKE ? ESCAPE '\\' OR c.last_name LIKE ? ESCAPE '\\'"
            " OR c.email LIKE ? ESCAPE '\\')"
        )
        params += [like] * 5
    if list_name:
        clauses.append(
            "c.id IN (SELECT m.contact_id FROM list_members m JOIN lists l"
            " ON l.id = m.list_id WHERE l.name = ?)"
        )
        params.append(list_name)
    if tag:
        clauses.append("c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)")
        params.append(tag)
    if subscription:
        clauses.append("c.subscription = ?")
        params.append(subscription)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _with_labels(
    conn: sqlite3.Connection, row: sqlite3.Row, consent: tuple[ConsentEvent, ...] = ()
) -> Contact:
    contact_id = row["id"]
    suppressed = suppression(conn, row["phone"])
    return Contact.from_row(
        row,
        lists=tuple(lists_of(conn, contact_id)),
        tags=tuple(tags_of(conn, contact_id)),
        suppressed_at=from_iso(suppressed["at"]) if suppressed else None,
        suppression_reason=suppressed["reason"] if suppressed else None,
        consent=consent,
    )
