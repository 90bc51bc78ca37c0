"""Inbound SMS: persist each part before the SIM copy is deleted, then reassemble.

A part is stored with a dedupe key, so the same SMS read twice (a crash between the commit and
`AT+CMGD`) is stored once, while two identical texts from one person stay two messages.
A multipart message becomes a `messages` row when its last part arrives, in any order and
across restarts; `expire_incomplete` delivers what is there, flagged, after a timeout.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge.clock import from_iso, to_iso
from modembridge.sms import Deliver, combine_parts, decode_pdu
from modembridge.store.db import Database


@dataclass(frozen=True)
class InboundResult:
    """What persisting one part did: its message id once the message is complete."""

    duplicate: bool
    message_id: int | None


def dedupe_key(sender: str, scts: str, ref: int | None, seq: int | None, pdu: str) -> str:
    """Identity of one received part (sender, SMSC timestamp, concat ref/seq, PDU)."""
    raw = "\x1f".join([sender, scts, str(ref), str(seq), pdu.upper()])
    return hashlib.sha256(raw.encode()).hexdigest()


class InboundRepository:
    """Writes inbound parts and assembled messages."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every write."""
        self._db = db

    def persist_deliver(
        self, modem: str, sms: Deliver, received_at: datetime, phone: str | None = None
    ) -> InboundResult:
        """Commit one decoded SMS-DELIVER part; assemble its message when complete.

        `phone` is the sender normalised to E.164 where possible (threads conversations);
        the raw sender is kept on the part.
        """
        party = phone or sms.sender
        concat = sms.concat
        ref = concat.reference if concat else None
        key = dedupe_key(sms.sender, sms.timestamp.isoformat(), ref, _seq(sms), sms.pdu)
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO inbound_parts (modem, sender, phone, scts, concat_ref,"
                " concat_total, concat_seq, pdu, text, dedupe_key, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    modem,
                    sms.sender,
                    party,
                    to_iso(sms.timestamp),
                    ref,
                    concat.total if concat else None,
                    _seq(sms),
                    sms.pdu,
                    sms.text,
                    key,
                    to_iso(received_at),
                ),
            )
            if cur.rowcount == 0:
                return InboundResult(duplicate=True, message_id=None)
            part_id = int(cur.lastrowid or 0)
            if concat is None or concat.total <= 1:
                message_id = _insert_message(conn, modem, party, sms.text, received_at)
                _link(conn, [part_id], message_id)
                return InboundResult(duplicate=False, message_id=message_id)
            assembled = _assemble_if_complete(conn, modem, party, sms, received_at)
            return InboundResult(False, assembled)

    def persist_undecodable(
        self, modem: str, pdu: str, error: str, received_at: datetime
    ) -> InboundResult:
        """Keep a PDU we could not decode (so nothing is lost), as a message with an error."""
        key = dedupe_key("?", "", None, None, pdu)
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO inbound_parts (modem, sender, phone, scts, pdu, text,"
                " decode_error, dedupe_key, received_at) VALUES (?, '', '', '', ?, '', ?, ?, ?)",
                (modem, pdu, error, key, to_iso(received_at)),
            )
            if cur.rowcount == 0:
                return InboundResult(duplicate=True, message_id=None)
            message_id = _insert_message(conn, modem, "", "", received_at, error=error)
            _link(conn, [int(cur.lastrowid or 0)], message_id)
            return InboundResult(duplicate=False, message_id=message_id)

    def expire_incomplete(self, now: datetime, timeout: timedelta) -> list[int]:
        """Deliver multipart messages still missing parts after `timeout`, flagged incomplete."""
        cutoff = to_iso(now - timeout)
        created: list[int] = []
        with self._db.transaction() as conn:
            groups = conn.execute(
                "SELECT modem, sender, MAX(phone) AS phone, concat_ref, concat_total,"
                " MIN(received_at) AS first"
                " FROM inbound_parts WHERE message_id IS NULL AND concat_ref IS NOT NULL"
                " GROUP BY modem, sender, concat_ref, concat_total HAVING first <= ?",
                (cutoff,),
            ).fetchall()
            for group in groups:
                rows = _pending_parts(
                    conn,
                    group["modem"],
                    group["sender"],
                    group["concat_ref"],
                    group["concat_total"],
                )
                assembled = combine_parts(_decode_all(rows))
                message_id = _insert_message(
                    conn,
                    group["modem"],
                    group["phone"],
                    assembled.text,
                    from_iso(group["first"]),
                    incomplete=True,
                )
                _link(conn, [r["id"] for r in rows], message_id)
                created.append(message_id)
        return created


def _decode_all(rows: list[sqlite3.Row]) -> list[Deliver]:
    # Stored parts were decoded once already, so they decode again.
    decoded = [decode_pdu(r["pdu"]) for r in rows]
    return [d for d in decoded if isinstance(d, Deliver)]


def _seq(sms: Deliver) -> int | None:
    return sms.concat.sequence if sms.concat else None


def _pending_parts(
    conn: sqlite3.Connection, modem: str, sender: str, ref: int, total: int
) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, pdu, concat_seq FROM inbound_parts WHERE message_id IS NULL AND modem = ?"
        " AND sender = ? AND concat_ref = ? AND concat_total = ? ORDER BY concat_seq, id",
        (modem, sender, ref, total),
    ).fetchall()


def _assemble_if_complete(
    conn: sqlite3.Connection, modem: str, party: str, sms: Deliver, received_at: datetime
) -> int | None:
    assert sms.concat is not None
    rows = _pending_parts(conn, modem, sms.sender, sms.concat.reference, sms.concat.total)
    if len({r["concat_seq"] for r in rows}) < sms.concat.total:
        return None
    assembled = combine_parts(_decode_all(rows))
    message_id = _insert_message(conn, modem, party, assembled.text, received_at)
    _link(conn, [r["id"] for r in rows], message_id)
    return message_id


def _insert_message(
    conn: sqlite3.Connection,
    modem: str,
    sender: str,
    text: str,
    at: datetime,
    *,
    incomplete: bool = False,
    error: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO messages (direction, phone, modem, text, status, incomplete, error,"
        " created_at) VALUES ('in', ?, ?, ?, 'received', ?, ?, ?)",
        (sender, modem, text, int(incomplete), error, to_iso(at)),
    )
    if sender.startswith("+"):
        # Every person who writes in becomes a contact, remembered on the modem they used
        # (sticky sender: our replies leave from the number they wrote to).
        conn.execute(
            "INSERT INTO contacts (phone, last_modem, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (phone) DO UPDATE SET last_modem = excluded.last_modem",
            (sender, modem, to_iso(at), to_iso(at)),
        )
    return int(cur.lastrowid or 0)


def _link(conn: sqlite3.Connection, part_ids: list[int], message_id: int) -> None:
    conn.executemany(
        "UPDATE inbound_parts SET message_id = ? WHERE id = ?",
        [(message_id, pid) for pid in part_ids],
    )
