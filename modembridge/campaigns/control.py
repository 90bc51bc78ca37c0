"""Pause, resume and cancel a campaign, and keep deferred marketing out of quiet hours.

Pause moves the campaign's queued messages to `held` (the outbox claims only `queued`; a
message already being sent finishes). Resume moves them back, later by as long as the pause
lasted (so the run keeps its spacing) and never into the recipient's quiet hours. Cancel
makes every queued or held message `suppressed` ("campaign cancelled"). Each is one
transaction; resume walks the held messages in keyset pages so memory stays flat.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from modembridge.campaigns import repository as repo
from modembridge.campaigns.planner import PlannerSettings, zones_for
from modembridge.campaigns.quiet import next_allowed
from modembridge.campaigns.throttle import ThrottleState
from modembridge.clock import from_iso, to_iso

PAGE = 500
_OF_CAMPAIGN = (
    "m.source = 'campaign' AND m.source_id IN (SELECT id FROM campaign_runs WHERE campaign_id = ?)"
)


def pause(conn: sqlite3.Connection, campaign_id: int, now: datetime) -> int:
    """Hold the campaign's queued messages; returns how many."""
    held = _bulk_status(conn, campaign_id, ("queued",), "held", "campaign paused", now)
    repo.set_status(conn, campaign_id, "paused", now, paused_at=now)
    return held


def cancel(conn: sqlite3.Connection, campaign_id: int, now: datetime) -> int:
    """Suppress every queued or held message and stop future runs; returns how many."""
    count = _bulk_status(
        conn, campaign_id, ("queued", "held"), "suppressed", "campaign cancelled", now
    )
    conn.execute(
        "UPDATE campaign_runs SET status = 'cancelled', finished_at = ?"
        " WHERE campaign_id = ? AND status IN ('planned', 'running')",
        (to_iso(now), campaign_id),
    )
    repo.set_status(conn, campaign_id, "cancelled", now)
    return count


def resume(
    conn: sqlite3.Connection,
    campaign_id: int,
    paused_at: datetime,
    settings: PlannerSettings,
    now: datetime,
) -> int:
    """Release held messages (shifted by the pause, outside quiet hours); returns how many."""
    paused_for = max(now - paused_at, timedelta(0))
    released, cursor = 0, 0
    while True:
        rows = conn.execute(
            "SELECT m.id, m.phone, m.due_at,"
            " (SELECT c.timezone FROM contacts c WHERE c.phone = m.phone) AS timezone"
            f" FROM messages m WHERE {_OF_CAMPAIGN} AND m.status = 'held' AND m.id > ?"
            " ORDER BY m.id LIMIT ?",
            (campaign_id, cursor, PAGE),
        ).fetchall()
        if not rows:
            break
        for row in rows:
            zones = zones_for(row["phone"], row["timezone"], settings)
            due = next_allowed(
                zones, settings.window, max(from_iso(row["due_at"]) + paused_for, now)
            )
            conn.execute(
                "UPDATE messages SET status = 'queued', due_at = ? WHERE id = ?",
                (to_iso(due), row["id"]),
            )
            conn.execute(
                "INSERT INTO status_history (message_id, status, detail, at)"
                " VALUES (?, 'queued', 'campaign resumed', ?)",
                (row["id"], to_iso(now)),
            )
        released += len(rows)
        cursor = rows[-1]["id"]
    _shift_running_runs(conn, campaign_id, paused_for)
    active = conn.execute(
        "SELECT COUNT(*) FROM campaign_runs WHERE campaign_id = ?"
        " AND status IN ('planned', 'running')",
        (campaign_id,),
    ).fetchone()[0]
    repo.set_status(conn, campaign_id, "scheduled" if active else "completed", now)
    return released


def defer_quiet_hours(
    conn: sqlite3.Connection, settings: PlannerSettings, now: datetime, limit: int = 100
) -> int:
    """Move due campaign/flow marketing whose recipient is now in quiet hours to the next
    allowed time (e.g. the modem was down until night); returns how many were moved.

    Looks at the next `limit` due messages in claim order, the ones a modem takes next.
    """
    rows = conn.execute(
        "SELECT m.id, m.phone, (SELECT c.timezone FROM contacts c WHERE c.phone = m.phone)"
        " AS timezone FROM messages m WHERE m.direction = 'out' AND m.status = 'queued'"
        " AND m.priority = 1 AND m.due_at <= ? AND m.kind = 'marketing'"
        " AND m.source IN ('campaign', 'flow') ORDER BY m.due_at, m.id LIMIT ?",
        (to_iso(now), limit),
    ).fetchall()
    moved = 0
    for row in rows:
        start = next_allowed(
            zones_for(row["phone"], row["timezone"], settings), settings.window, now
        )
        if start > now:
            conn.execute("UPDATE messages SET due_at = ? WHERE id = ?", (to_iso(start), row["id"]))
            moved += 1
    return moved


def _bulk_status(
    conn: sqlite3.Connection,
    campaign_id: int,
    from_statuses: tuple[str, ...],
    status: str,
    detail: str,
    now: datetime,
) -> int:
    marks = ",".join("?" * len(from_statuses))
    where = f"{_OF_CAMPAIGN} AND m.status IN ({marks})"
    params = (campaign_id, *from_statuses)
    conn.execute(
        "INSERT INTO status_history (message_id, status, detail, at)"
        f" SELECT m.id, ?, ?, ? FROM messages m WHERE {where}",
        (status, detail, to_iso(now), *params),
    )
    # The error column carries the reason of final statuses, as store.outbox.set_status does.
    error = detail if status == "suppressed" else None
    cur = conn.execute(
        "UPDATE messages SET status = ?, error = COALESCE(?, error)"
        f" WHERE id IN (SELECT m.id FROM messages m WHERE {where})",
        (status, error, *params),
    )
    return cur.rowcount


def _shift_running_runs(conn: sqlite3.Connection, campaign_id: int, paused_for: timedelta) -> None:
    rows = conn.execute(
        "SELECT id, throttle FROM campaign_runs WHERE campaign_id = ? AND status = 'running'"
        " AND throttle IS NOT NULL",
        (campaign_id,),
    ).fetchall()
    for run_id, stored in rows:
        state = ThrottleState.from_json(json.loads(stored)).shifted(paused_for)
        conn.execute(
            "UPDATE campaign_runs SET throttle = ? WHERE id = ?",
            (json.dumps(state.to_json()), run_id),
        )
