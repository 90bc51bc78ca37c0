"""Delivery reports: match each to the part it reports on and roll parts up to the message.

A report names the TP-MR the modem gave the part and the recipient. TP-MR wraps at 256, so the
match also needs the modem, the recipient and a time window; the newest part that fits wins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge.clock import to_iso
from modembridge.sms import StatusReport
from modembridge.store.db import Database
from modembridge.store.outbox import set_status

MATCH_WINDOW = timedelta(days=3)
_PART_STATUS = {"delivered": "delivered", "pending": "pending", "failed": "failed_report"}


@dataclass(frozen=True)
class ReportResult:
    """What a status report changed."""

    duplicate: bool
    message_id: int | None
    message_status: str | None


class DeliveryRepository:
    """Stores status reports and applies them to message parts."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every write."""
        self._db = db

    def apply(self, modem: str, report: StatusReport, received_at: datetime) -> ReportResult:
        """Commit a status report and update the matching part and message."""
        key = hashlib.sha256(f"{modem}\x1f{report.pdu.upper()}".encode()).hexdigest()
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO status_reports (modem, mr, recipient, tp_status, scts,"
                " discharge_time, pdu, dedupe_key, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    modem,
                    report.message_reference,
                    report.recipient,
                    report.status,
                    to_iso(report.timestamp),
                    to_iso(report.discharge_time),
                    report.pdu,
                    key,
                    to_iso(received_at),
                ),
            )
            if cur.rowcount == 0:
                return ReportResult(True, None, None)
            report_id = cur.lastrowid
            part = conn.execute(
                "SELECT p.message_id, p.seq FROM message_parts p"
                " JOIN messages m ON m.id = p.message_id"
                " WHERE p.modem = ? AND p.mr = ? AND p.status IN ('sent', 'pending')"
                " AND p.sent_at >= ? AND (m.phone = ? OR ? NOT LIKE '+%')"
                " ORDER BY p.sent_at DESC LIMIT 1",
                (
                    modem,
                    report.message_reference,
                    to_iso(received_at - MATCH_WINDOW),
                    report.recipient,
                    report.recipient,
                ),
            ).fetchone()
            if part is None:
                return ReportResult(False, None, None)
            message_id, seq = part
            conn.execute(
                "UPDATE status_reports SET message_id = ?, seq = ? WHERE id = ?",
                (message_id, seq, report_id),
            )
            conn.execute(
                "UPDATE message_parts SET status = ?, tp_status = ?, report_at = ?"
                " WHERE message_id = ? AND seq = ?",
                (
                    _PART_STATUS[report.outcome],
                    report.status,
                    to_iso(received_at),
                    message_id,
                    seq,
                ),
            )
            statuses = [
                r[0]
                for r in conn.execute(
                    "SELECT status FROM message_parts WHERE message_id = ?", (message_id,)
                )
            ]
            segments, current = conn.execute(
                "SELECT segments, status FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            new_status = _roll_up(statuses, segments, current)
            if new_status != current:
                if new_status == "delivered":
                    conn.execute(
                        "UPDATE messages SET delivered_at = ? WHERE id = ?",
                        (to_iso(report.discharge_time), message_id),
                    )
                detail = f"network status report TP-ST 0x{report.status:02X}"
                set_status(conn, message_id, new_status, detail, received_at)
            return ReportResult(False, message_id, new_status)


def _roll_up(part_statuses: list[str], segments: int, current: str) -> str:
    """A message is delivered when every part is, failed when any part failed for good."""
    if "failed_report" in part_statuses:
        return "failed"
    if len(part_statuses) == segments and all(s == "delivered" for s in part_statuses):
        return "delivered"
    return current
