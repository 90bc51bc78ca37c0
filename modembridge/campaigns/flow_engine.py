"""Advancing flow instances: one instance, one transaction (pure SQL, no threads).

An instance points at its next step and when it is due. Advancing runs steps until a wait
(which sets the next due time from the previous one, so delays do not drift), an `unless`
that matches (the instance exits), or the end. The step log (`flow_steps`), the queued
message and the pointer commit together; the message's idempotency key
`flow:{instance}:{step}` makes a repeat after a crash insert nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from modembridge.campaigns.audience import contact_query
from modembridge.campaigns.expansion import read_page
from modembridge.campaigns.outbox_rows import OutboundRow, insert_queued, marketing_row
from modembridge.campaigns.planner import Planned, PlannerSettings, plan_one
from modembridge.campaigns.schedule import parse_duration
from modembridge.campaigns.templates import finish_text, parse_template
from modembridge.clock import from_iso, to_iso
from modembridge.validation import ValidationError


@dataclass(frozen=True)
class StepResult:
    """What advancing did: queued message ids and the instance's new status."""

    status: str
    queued: tuple[int, ...] = ()


def advance(
    conn: sqlite3.Connection, instance_id: int, settings: PlannerSettings, now: datetime
) -> StepResult | None:
    """Run an instance's due steps inside the caller's transaction (None: nothing due)."""
    inst = conn.execute("SELECT * FROM flow_instances WHERE id = ?", (instance_id,)).fetchone()
    if inst is None or inst["status"] != "waiting" or from_iso(inst["due_at"]) > now:
        return None
    flow = conn.execute("SELECT * FROM flows WHERE id = ?", (inst["flow_id"],)).fetchone()
    if flow["deleted_at"] is not None:
        _update(conn, instance_id, inst["step"], "cancelled", inst["due_at"], "flow deleted", now)
        return StepResult("cancelled")
    steps: list[dict[str, str]] = json.loads(flow["steps"])
    step: int = inst["step"]
    queued: list[int] = []
    while step < len(steps):
        action = steps[step]
        if "wait" in action:
            due = from_iso(inst["due_at"]) + parse_duration(action["wait"])
            _update(conn, instance_id, step + 1, "waiting", to_iso(due), None, now)
            return StepResult("waiting", tuple(queued))
        if "unless" in action:
            if _event_since(conn, inst, action["unless"]):
                _log(conn, instance_id, step, f"exited:{action['unless']}", None, now)
                detail = f"{action['unless']} received"
                _update(conn, instance_id, step, "exited", inst["due_at"], detail, now)
                return StepResult("exited", tuple(queued))
            _log(conn, instance_id, step, "passed", None, now)
        else:
            outcome, message_id = _send(conn, inst, step, action, settings, now)
            _log(conn, instance_id, step, outcome, message_id, now)
            if message_id is not None:
                queued.append(message_id)
        step += 1
    _update(conn, instance_id, step, "done", inst["due_at"], None, now)
    return StepResult("done", tuple(queued))


def _send(
    conn: sqlite3.Connection,
    inst: sqlite3.Row,
    step: int,
    action: dict[str, str],
    settings: PlannerSettings,
    now: datetime,
) -> tuple[str, int | None]:
    template = parse_template(action["send"])
    data: dict[str, str] = json.loads(inst["data"])
    key = f"flow:{inst['id']}:{step}"
    contact = read_page(conn, contact_query(inst["phone"]), 0, 1, now)
    if action["kind"] == "marketing":
        if not contact:  # no contact, no consent on record
            return "skipped:not_subscribed", None
        plan = plan_one(
            contact[0],
            template=template,
            settings=settings,
            slot=lambda _parts: now,
            key=lambda _phone: key,
            extra=data,
        )
        if not isinstance(plan, Planned):
            return f"skipped:{plan.reason}", None
        row = marketing_row(plan, "flow", inst["id"])
    else:
        values = {**(contact[0].fields if contact else {}), **data}
        try:
            text = finish_text(
                template.render(values), marketing=False, brand="", max_parts=settings.max_parts
            )
        except ValidationError as exc:
            return f"skipped:{exc.code}", None
        row = OutboundRow(
            phone=inst["phone"],
            text=text.text,
            kind="transactional",
            encoding=text.encoding,
            segments=text.segments,
            idempotency_key=key,
            send_at=now,
            source="flow",
            source_id=inst["id"],
        )
    message_id = insert_queued(conn, row, now)
    if message_id is None:  # queued by an earlier attempt at this step
        found = conn.execute("SELECT id FROM messages WHERE idempotency_key = ?", (key,)).fetchone()
        message_id = int(found[0]) if found else None
    return "sent", message_id


def _event_since(conn: sqlite3.Connection, inst: sqlite3.Row, event: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM flow_events WHERE phone = ? AND event = ? AND id > ? LIMIT 1",
        (inst["phone"], event, inst["trigger_event_id"]),
    ).fetchone()
    return row is not None


def _log(
    conn: sqlite3.Connection,
    instance_id: int,
    step: int,
    outcome: str,
    message_id: int | None,
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO flow_steps (instance_id, step, outcome, message_id, at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (instance_id, step) DO NOTHING",
        (instance_id, step, outcome, message_id, to_iso(now)),
    )


def _update(
    conn: sqlite3.Connection,
    instance_id: int,
    step: int,
    status: str,
    due_at: str,
    detail: str | None,
    now: datetime,
) -> None:
    conn.execute(
        "UPDATE flow_instances SET step = ?, status = ?, due_at = ?, detail = ?, updated_at = ?"
        " WHERE id = ?",
        (step, status, due_at, detail, to_iso(now), instance_id),
    )
