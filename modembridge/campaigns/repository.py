"""SQL for campaigns, their runs, skipped recipients and saved segments.

Functions take the caller's connection, so the service decides what commits together.
Rows come back as frozen dataclasses.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modembridge.campaigns.planner import Skipped
from modembridge.campaigns.schedule import Schedule, schedule_from_json
from modembridge.campaigns.throttle import ThrottleState
from modembridge.clock import from_iso, to_iso

# Message statuses as the progress counts them.
QUEUED = ("queued", "sending")
FAILED = ("failed", "expired", "unknown")


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as stored."""

    id: int
    name: str
    text: str
    audience: dict[str, str]
    schedule: Schedule
    status: str
    paused_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> CampaignRecord:
        """Build from a `campaigns` row."""
        return cls(
            id=row["id"],
            name=row["name"],
            text=row["text"],
            audience=json.loads(row["audience"]),
            schedule=schedule_from_json(json.loads(row["schedule"])),
            status=row["status"],
            paused_at=from_iso(row["paused_at"]) if row["paused_at"] else None,
            created_at=from_iso(row["created_at"]),
            updated_at=from_iso(row["updated_at"]),
        )


@dataclass(frozen=True)
class RunRecord:
    """One run of a campaign."""

    id: int
    campaign_id: int
    run_at: datetime
    status: str
    cursor: int
    throttle: ThrottleState | None
    queued: int
    skipped: int
    started_at: datetime | None
    finished_at: datetime | None
    detail: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunRecord:
        """Build from a `campaign_runs` row."""
        return cls(
            id=row["id"],
            campaign_id=row["campaign_id"],
            run_at=from_iso(row["run_at"]),
            status=row["status"],
            cursor=row["cursor"],
            throttle=ThrottleState.from_json(json.loads(row["throttle"]))
            if row["throttle"]
            else None,
            queued=row["queued"],
            skipped=row["skipped"],
            started_at=from_iso(row["started_at"]) if row["started_at"] else None,
            finished_at=from_iso(row["finished_at"]) if row["finished_at"] else None,
            detail=row["detail"],
        )

    def to_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id,
            "run_at": to_iso(self.run_at),
            "status": self.status,
            "queued": self.queued,
            "skipped": self.skipped,
            "started_at": to_iso(self.started_at) if self.started_at else None,
            "finished_at": to_iso(self.finished_at) if self.finished_at else None,
            "detail": self.detail,
        }


def insert_campaign(
    conn: sqlite3.Connection,
    name: str,
    text: str,
    audience: dict[str, str],
    schedule: Schedule,
    now: datetime,
) -> int:
    """Store a new scheduled campaign; returns its id."""
    cur = conn.execute(
        "INSERT INTO campaigns (name, text, audience, schedule, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'scheduled', ?, ?)",
        (
            name,
            text,
            json.dumps(audience),
            json.dumps(schedule.to_json()),
            to_iso(now),
            to_iso(now),
        ),
    )
    return int(cur.lastrowid or 0)


def get_campaign(conn: sqlite3.Connection, campaign_id: int) -> CampaignRecord | None:
    """One campaign, or None."""
    row = conn.execute("SELECT * FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
    return CampaignRecord.from_row(row) if row else None


def list_campaigns(conn: sqlite3.Connection, limit: int) -> list[CampaignRecord]:
    """Newest first."""
    rows = conn.execute("SELECT * FROM campaigns ORDER BY id DESC LIMIT ?", (limit,))
    return [CampaignRecord.from_row(r) for r in rows]


def set_status(
    conn: sqlite3.Connection,
    campaign_id: int,
    status: str,
    now: datetime,
    paused_at: datetime | None = None,
) -> None:
    """Change a campaign's status (and when it was paused)."""
    conn.execute(
        "UPDATE campaigns SET status = ?, paused_at = ?, updated_at = ? WHERE id = ?",
        (status, to_iso(paused_at) if paused_at else None, to_iso(now), campaign_id),
    )


def add_run(
    conn: sqlite3.Connection,
    campaign_id: int,
    run_at: datetime,
    status: str = "planned",
    now: datetime | None = None,
    detail: str | None = None,
) -> None:
    """Record a run time ('planned', or 'missed' with `now` and `detail`); a repeated time
    is ignored (UNIQUE (campaign_id, run_at): a double trigger plans nothing twice)."""
    conn.execute(
        "INSERT INTO campaign_runs (campaign_id, run_at, status, finished_at, detail)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id, run_at) DO NOTHING",
        (campaign_id, to_iso(run_at), status, to_iso(now) if now else None, detail),
    )


def runs(conn: sqlite3.Connection, campaign_id: int, limit: int = 50) -> list[RunRecord]:
    """A campaign's runs, newest first."""
    rows = conn.execute(
        "SELECT * FROM campaign_runs WHERE campaign_id = ? ORDER BY run_at DESC LIMIT ?",
        (campaign_id, limit),
    )
    return [RunRecord.from_row(r) for r in rows]


def get_run(conn: sqlite3.Connection, run_id: int) -> RunRecord | None:
    """One run, or None."""
    row = conn.execute("SELECT * FROM campaign_runs WHERE id = ?", (run_id,)).fetchone()
    return RunRecord.from_row(row) if row else None


def runs_in_state(
    conn: sqlite3.Connection, status: str, due_by: datetime | None = None
) -> list[RunRecord]:
    """Runs in `status` of campaigns that are not paused or cancelled, oldest first."""
    due = "AND r.run_at <= ?" if due_by is not None else ""
    params: tuple[Any, ...] = (status, to_iso(due_by)) if due_by is not None else (status,)
    rows = conn.execute(
        "SELECT r.* FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id"
        f" WHERE r.status = ? {due} AND c.status IN ('scheduled', 'completed')"
        " ORDER BY r.run_at, r.id",
        params,
    )
    return [RunRecord.from_row(r) for r in rows]


def start_run(conn: sqlite3.Connection, run_id: int, state: ThrottleState, now: datetime) -> None:
    """planned -> running, with a fresh slot clock."""
    conn.execute(
        "UPDATE campaign_runs SET status = 'running', started_at = ?, throttle = ?"
        " WHERE id = ? AND status = 'planned'",
        (to_iso(now), json.dumps(state.to_json()), run_id),
    )


def finish_run(
    conn: sqlite3.Connection, run_id: int, status: str, now: datetime, detail: str | None = None
) -> None:
    """running/planned -> done, missed or cancelled."""
    conn.execute(
        "UPDATE campaign_runs SET status = ?, finished_at = ?, detail = COALESCE(?, detail)"
        " WHERE id = ?",
        (status, to_iso(now), detail, run_id),
    )


def save_progress(
    conn: sqlite3.Connection,
    run_id: int,
    cursor: int,
    state: ThrottleState,
    queued: int,
    skipped: int,
) -> None:
    """Commit a batch's cursor and slot clock with the batch itself."""
    conn.execute(
        "UPDATE campaign_runs SET cursor = ?, throttle = ?, queued = queued + ?,"
        " skipped = skipped + ? WHERE id = ?",
        (cursor, json.dumps(state.to_json()), queued, skipped, run_id),
    )


def record_skip(conn: sqlite3.Connection, run_id: int, skip: Skipped, now: datetime) -> None:
    """Remember why a recipient got nothing."""
    conn.execute(
        "INSERT INTO campaign_skips (run_id, contact_id, phone, reason, detail, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, contact_id) DO NOTHING",
        (run_id, skip.contact_id, skip.phone, skip.reason, skip.detail or None, to_iso(now)),
    )


def progress(conn: sqlite3.Connection, campaign_id: int) -> dict[str, Any]:
    """Counts over every run: total, queued, held, sent, delivered, failed, suppressed,
    skipped, and skip reasons."""
    counts = dict(
        conn.execute(
            "SELECT m.status, COUNT(*) FROM campaign_runs r JOIN messages m"
            " ON m.source = 'campaign' AND m.source_id = r.id"
            " WHERE r.campaign_id = ? GROUP BY m.status",
            (campaign_id,),
        ).fetchall()
    )
    reasons = dict(
        conn.execute(
            "SELECT s.reason, COUNT(*) FROM campaign_runs r JOIN campaign_skips s"
            " ON s.run_id = r.id WHERE r.campaign_id = ? GROUP BY s.reason ORDER BY s.reason",
            (campaign_id,),
        ).fetchall()
    )
    skipped = sum(reasons.values())
    return {
        "total": sum(counts.values()) + skipped,
        "queued": sum(counts.get(s, 0) for s in QUEUED),
        "held": counts.get("held", 0),
        "sent": counts.get("sent", 0),
        "delivered": counts.get("delivered", 0),
        "failed": sum(counts.get(s, 0) for s in FAILED),
        "suppressed": counts.get("suppressed", 0),
        "skipped": skipped,
        "skip_reasons": reasons,
    }


def last_due(conn: sqlite3.Connection, campaign_id: int) -> datetime | None:
    """When the campaign's last message still waiting is due (the ETA once planned)."""
    row = conn.execute(
        "SELECT MAX(m.due_at) FROM campaign_runs r JOIN messages m"
        " ON m.source = 'campaign' AND m.source_id = r.id"
        " WHERE r.campaign_id = ? AND m.status IN ('queued', 'held', 'sending')",
        (campaign_id,),
    ).fetchone()
    return from_iso(row[0]) if row and row[0] else None


def save_segment(
    conn: sqlite3.Connection, name: str, filters: list[dict[str, Any]], now: datetime
) -> int:
    """Store a named segment; returns its id.

    Raises:
        sqlite3.IntegrityError: the name is taken.
    """
    cur = conn.execute(
        "INSERT INTO segments (name, filters, created_at) VALUES (?, ?, ?)",
        (name, json.dumps(filters), to_iso(now)),
    )
    return int(cur.lastrowid or 0)


def segment_filters(conn: sqlite3.Connection, name: str) -> list[dict[str, Any]] | None:
    """A segment's filters by name, or None."""
    row = conn.execute("SELECT filters FROM segments WHERE name = ?", (name,)).fetchone()
    return json.loads(row[0]) if row else None


def list_segments(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every segment, by name."""
    rows = conn.execute("SELECT id, name, filters, created_at FROM segments ORDER BY name")
    return [
        {"id": r[0], "name": r[1], "filters": json.loads(r[2]), "created_at": r[3]} for r in rows
    ]


def delete_segment(conn: sqlite3.Connection, segment_id: int) -> bool:
    """Remove a segment; False when there was none."""
    return conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,)).rowcount > 0
