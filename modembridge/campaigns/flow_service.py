"""Flows and shop events as the API and the admin page use them.

`record_event` stores the event and, in the same transaction, starts one instance per flow
it triggers (a newer trigger for the same flow and number supersedes a waiting instance:
the latest cart is the one worth a reminder). The new instances then run at once up to
their first wait; `advance_due` (the scheduler's tick) carries on from there. Everything is
in the database, so a restart during a wait loses nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from modembridge.campaigns.flow_engine import advance
from modembridge.campaigns.flows import event_data, event_name, parse_flow
from modembridge.campaigns.settings import AutomationSettings
from modembridge.clock import to_iso, utcnow
from modembridge.numbers import InvalidNumber, normalize
from modembridge.store.db import Database
from modembridge.validation import MAX_KEY_LENGTH, ValidationError

log = logging.getLogger(__name__)
TICK_LIMIT = 500


class FlowService:
    """Define flows, take events, advance instances."""

    def __init__(
        self,
        db: Database,
        settings: AutomationSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        """Bind to the store and the compliance settings."""
        self.db = db
        self.settings = settings
        self.planner = settings.planner()
        self._clock = clock
        self._wake = wake

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate and store a flow; returns it.

        Raises:
            ValidationError: see `flows.parse_flow`.
        """
        flow = parse_flow(fields)
        now = to_iso(self._clock())
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO flows (name, trigger, steps, created_at) VALUES (?, ?, ?, ?)",
                (flow.name, flow.trigger, json.dumps(list(flow.steps)), now),
            )
        return self.get(int(cur.lastrowid or 0))

    def list_flows(self) -> list[dict[str, Any]]:
        """Every flow not deleted, oldest first, with instance counts."""
        rows = self.db.connection().execute(
            "SELECT * FROM flows WHERE deleted_at IS NULL ORDER BY id"
        )
        return [self._json(self.db.connection(), r) for r in rows.fetchall()]

    def get(self, flow_id: int) -> dict[str, Any]:
        """One flow (404 when unknown or deleted)."""
        conn = self.db.connection()
        row = conn.execute(
            "SELECT * FROM flows WHERE id = ? AND deleted_at IS NULL", (flow_id,)
        ).fetchone()
        if row is None:
            raise ValidationError("not_found", f"no flow {flow_id}", 404)
        return self._json(conn, row)

    def delete(self, flow_id: int) -> None:
        """Delete a flow; its waiting instances are cancelled (messages already queued stay).

        Raises:
            ValidationError: 404 when unknown or already deleted.
        """
        now = to_iso(self._clock())
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE flows SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (now, flow_id),
            )
            if cur.rowcount == 0:
                raise ValidationError("not_found", f"no flow {flow_id}", 404)
            conn.execute(
                "UPDATE flow_instances SET status = 'cancelled', detail = 'flow deleted',"
                " updated_at = ? WHERE flow_id = ? AND status = 'waiting'",
                (now, flow_id),
            )

    def record_event(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a shop event and start the flows it triggers.

        `idempotency_key` (optional) makes a retried POST return the first result.

        Raises:
            ValidationError: bad event name, number, data or key.
        """
        unknown = sorted(set(fields) - {"event", "phone", "data", "idempotency_key"})
        if unknown:
            raise ValidationError("unknown_field", f"unknown field(s): {', '.join(unknown)}")
        name = event_name(fields.get("event"))
        phone = self._number(fields.get("phone"))
        data = event_data(fields.get("data"))
        key = _key(fields.get("idempotency_key"))
        now = self._clock()
        with self.db.transaction() as conn:
            existing = self._existing(conn, key)
            if existing is not None:
                return existing
            cur = conn.execute(
                "INSERT INTO flow_events (event, phone, data, idempotency_key, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (name, phone, json.dumps(data), key, to_iso(now)),
            )
            event_id = int(cur.lastrowid or 0)
            instance_ids = self._start_instances(conn, event_id, name, phone, data, now)
        self._advance(instance_ids, now)
        return self._event_json(self.db.connection(), event_id, duplicate=False)

    def advance_due(self) -> int:
        """Run every instance whose next step is due; returns how many were advanced."""
        now = self._clock()
        ids = [
            r[0]
            for r in self.db.connection().execute(
                "SELECT id FROM flow_instances WHERE status = 'waiting' AND due_at <= ?"
                " ORDER BY due_at, id LIMIT ?",
                (to_iso(now), TICK_LIMIT),
            )
        ]
        return self._advance(ids, now)

    def _advance(self, instance_ids: list[int], now: datetime) -> int:
        done = queued = 0
        for instance_id in instance_ids:
            with self.db.transaction() as conn:
                result = advance(conn, instance_id, self.planner, now)
            if result is not None:
                done += 1
                queued += len(result.queued)
        if queued:
            self._wake()
        return done

    def _start_instances(
        self,
        conn: sqlite3.Connection,
        event_id: int,
        name: str,
        phone: str,
        data: dict[str, str],
        now: datetime,
    ) -> list[int]:
        stamp = to_iso(now)
        flows = conn.execute(
            "SELECT id FROM flows WHERE trigger = ? AND deleted_at IS NULL ORDER BY id", (name,)
        ).fetchall()
        ids = []
        for (flow_id,) in flows:
            conn.execute(
                "UPDATE flow_instances SET status = 'exited', detail = ?, updated_at = ?"
                " WHERE flow_id = ? AND phone = ? AND status = 'waiting'",
                (f"superseded by event {event_id}", stamp, flow_id, phone),
            )
            cur = conn.execute(
                "INSERT INTO flow_instances (flow_id, phone, trigger_event_id, data, step,"
                " status, due_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 0, 'waiting', ?, ?, ?)",
                (flow_id, phone, event_id, json.dumps(data), stamp, stamp, stamp),
            )
            ids.append(int(cur.lastrowid or 0))
        return ids

    def _existing(self, conn: sqlite3.Connection, key: str | None) -> dict[str, Any] | None:
        if key is None:
            return None
        row = conn.execute(
            "SELECT id FROM flow_events WHERE idempotency_key = ?", (key,)
        ).fetchone()
        return self._event_json(conn, int(row[0]), duplicate=True) if row else None

    def _event_json(
        self, conn: sqlite3.Connection, event_id: int, duplicate: bool
    ) -> dict[str, Any]:
        rows = conn.execute(
            "SELECT id, flow_id, status, due_at, detail FROM flow_instances"
            " WHERE trigger_event_id = ? ORDER BY id",
            (event_id,),
        ).fetchall()
        instances = [
            {"id": r[0], "flow_id": r[1], "status": r[2], "due_at": r[3], "detail": r[4]}
            for r in rows
        ]
        return {"event_id": event_id, "duplicate": duplicate, "instances": instances}

    def _json(self, conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        counts = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM flow_instances WHERE flow_id = ? GROUP BY status",
                (row["id"],),
            ).fetchall()
        )
        sent = conn.execute(
            "SELECT COUNT(*) FROM flow_steps s JOIN flow_instances i ON i.id = s.instance_id"
            " WHERE i.flow_id = ? AND s.outcome = 'sent'",
            (row["id"],),
        ).fetchone()[0]
        return {
            "id": row["id"],
            "name": row["name"],
            "trigger": row["trigger"],
            "steps": json.loads(row["steps"]),
            "created_at": row["created_at"],
            "instances": {s: counts.get(s, 0) for s in ("waiting", "done", "exited", "cancelled")},
            "messages_queued": sent,
        }

    def _number(self, phone: object) -> str:
        if not isinstance(phone, str):
            raise ValidationError("invalid_number", "phone must be a phone number string")
        try:
            return normalize(phone, self.settings.default_region)
        except InvalidNumber as exc:
            raise ValidationError("invalid_number", str(exc)) from None


def _key(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_KEY_LENGTH:
        raise ValidationError(
            "invalid_idempotency_key", f"idempotency_key must be 1-{MAX_KEY_LENGTH} characters"
        )
    return value
