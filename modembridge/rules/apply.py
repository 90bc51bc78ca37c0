"""Write a decision's effects, its reply and the run record, inside one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import to_iso
from modembridge.contacts import store
from modembridge.rules.effects import (
    AssignCoupon,
    CallWebhook,
    CancelMarketing,
    Effect,
    ListChange,
    SetSubscription,
    StartHandover,
    Suppress,
    TagChange,
    Unsuppress,
)
from modembridge.rules.engine import Decision, Inbound
from modembridge.rules.repository import assign_code
from modembridge.rules.webhooks import enqueue_webhook
from modembridge.sms import plan_segments
from modembridge.store.outbox import NewMessage, enqueue_in


@dataclass(frozen=True)
class Applied:
    """What was written: the queued reply (if any) and how many webhooks were queued."""

    reply_id: int | None
    webhooks: int
    outcome: str
    detail: str | None


def apply_decision(
    conn: sqlite3.Connection, decision: Decision, inbound: Inbound, now: datetime, max_parts: int
) -> Applied:
    """Apply `decision` for `inbound` on `conn` (the caller's open transaction)."""
    webhooks = 0
    detail = decision.blocked
    if inbound.phone.startswith("+"):  # alphanumeric senders are not contacts
        for effect in decision.effects:
            webhooks += _apply(conn, effect, inbound, now)
    reply_id = None
    text = decision.reply_to_send
    if text:
        plan = plan_segments(text)
        if plan.part_count > max_parts:
            detail = f"reply needs {plan.part_count} parts; the limit is {max_parts}"
        else:
            new = NewMessage(
                phone=inbound.phone,
                text=text,
                kind="transactional",  # an answer to the sender's own message
                encoding=plan.encoding.value,
                segments=plan.part_count,
                # One reply per inbound message, even if handling runs again after a crash.
                idempotency_key=f"reply:{inbound.message_id}" if inbound.message_id else None,
                source=decision.source,
                source_id=decision.rule.id if decision.rule else None,
            )
            reply_id = enqueue_in(conn, new, now)[0].id
    outcome = "replied" if reply_id else ("blocked" if detail else "no_reply")
    if inbound.message_id is not None:
        record_run(conn, inbound, decision, reply_id, outcome, detail or decision.keyword, now)
    return Applied(reply_id, webhooks, outcome, detail)


def record_run(
    conn: sqlite3.Connection,
    inbound: Inbound,
    decision: Decision | None,
    reply_id: int | None,
    outcome: str,
    detail: str | None,
    now: datetime,
) -> None:
    """Remember that this inbound message was handled (and how)."""
    conn.execute(
        "INSERT INTO rule_runs (message_id, phone, matched, rule_id, reply_id, outcome, detail,"
        " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        (
            inbound.message_id,
            inbound.phone,
            decision.matched if decision else None,
            decision.rule.id if decision and decision.rule else None,
            reply_id,
            outcome,
            detail,
            to_iso(now),
        ),
    )


def _apply(conn: sqlite3.Connection, effect: Effect, inbound: Inbound, now: datetime) -> int:
    """Write one effect; returns 1 for a queued webhook, else 0."""
    phone = inbound.phone
    if isinstance(effect, SetSubscription):
        store.change_subscription(
            conn,
            phone,
            effect.status,
            source=effect.source,
            actor="sms",
            wording=effect.wording,
            message_id=inbound.message_id,
            now=now,
        )
    elif isinstance(effect, Suppress):
        store.suppress(conn, phone, effect.reason, now)
    elif isinstance(effect, Unsuppress):
        store.unsuppress(conn, phone)
    elif isinstance(effect, CancelMarketing):
        store.cancel_queued_marketing(conn, phone, effect.reason, now)
    elif isinstance(effect, ListChange | TagChange):
        _membership(conn, effect, phone, now)
    elif isinstance(effect, AssignCoupon):
        assign_code(conn, effect.rule_id, effect.code, phone, inbound.message_id, now)
    elif isinstance(effect, CallWebhook):
        enqueue_webhook(conn, effect, inbound.message_id, now)
        return 1
    elif isinstance(effect, StartHandover):
        conn.execute(
            "INSERT INTO handovers (phone, rule_id, message_id, since, until)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (phone) DO UPDATE SET rule_id = excluded.rule_id,"
            " message_id = excluded.message_id, since = excluded.since, until = excluded.until",
            (phone, effect.rule_id, inbound.message_id, to_iso(now), to_iso(effect.until)),
        )
    return 0


def _membership(
    conn: sqlite3.Connection, effect: ListChange | TagChange, phone: str, now: datetime
) -> None:
    contact_id = store.ensure_contact(conn, phone, now)
    if isinstance(effect, ListChange):
        if effect.member:
            store.join_list(conn, contact_id, effect.list, now)
        else:
            store.leave_list(conn, contact_id, effect.list)
    elif effect.present:
        store.add_tag(conn, contact_id, effect.tag)
    else:
        store.remove_tag(conn, contact_id, effect.tag)
