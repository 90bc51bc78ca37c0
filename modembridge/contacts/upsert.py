"""Create or update one contact, and apply requested consent the conservative way.

Shared by the API, the admin page and the CSV import (FIELD-NOTES section 7):

- `unsubscribed` is always honoured: suppression list, queued marketing suppressed.
- `subscribed` with evidence (the exact wording the person agreed to) subscribes.
- `subscribed` without evidence: with double opt-in, one neutral confirmation request is
  queued and the contact is `pending` until the person replies YES; without double opt-in
  the contact stays as it is (`none`). A number that opted out (or is on the suppression
  list after an erasure) is never asked again, never re-subscribed without new evidence,
  and never re-subscribed by an import at all.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from modembridge.clock import to_iso
from modembridge.contacts import store
from modembridge.contacts.model import ConsentInput, ContactInput
from modembridge.rules.compliance import JOIN_REQUEST
from modembridge.rules.model import render
from modembridge.sms import plan_segments
from modembridge.store.outbox import NewMessage, enqueue_in


@dataclass(frozen=True)
class ConsentPolicy:
    """What consent handling needs from the config."""

    brand: str = "Acme"
    double_opt_in: bool = True


@dataclass
class SaveResult:
    """What saving one contact did."""

    contact_id: int
    created: bool
    subscription: str
    request_id: int | None = None  # the queued confirmation request
    warnings: list[str] = field(default_factory=list)


def save_contact(
    conn: sqlite3.Connection,
    entry: ContactInput,
    *,
    actor: str,
    policy: ConsentPolicy,
    now: datetime,
) -> SaveResult:
    """Create or update `entry` on `conn` (the caller's transaction)."""
    existing = store.contact_row(conn, entry.phone)
    contact_id = store.ensure_contact(conn, entry.phone, now)
    _update_fields(conn, contact_id, entry, existing, now)
    for name in entry.lists:
        store.join_list(conn, contact_id, name, now)
    for tag in entry.tags:
        store.add_tag(conn, contact_id, tag)
    current = existing["subscription"] if existing else "none"
    result = SaveResult(contact_id, existing is None, current)
    if entry.consent is not None:
        _consent(conn, entry.phone, entry.consent, result, actor=actor, policy=policy, now=now)
    return result


def _update_fields(
    conn: sqlite3.Connection,
    contact_id: int,
    entry: ContactInput,
    existing: sqlite3.Row | None,
    now: datetime,
) -> None:
    first, last, name = entry.first_name, entry.last_name, entry.name
    if name is not None and first is None and last is None:
        first, _, last = name.partition(" ")  # "Ada Lovelace" -> first "Ada", last "Lovelace"
    if name is None and (first is not None or last is not None):
        old_first = existing["first_name"] if existing else ""
        old_last = existing["last_name"] if existing else ""
        name = " ".join(p for p in (first or old_first, last or old_last) if p)
    merged = dict(json.loads(existing["fields"])) if existing else {}
    merged.update(entry.fields)
    conn.execute(
        "UPDATE contacts SET name = COALESCE(?, name), first_name = COALESCE(?, first_name),"
        " last_name = COALESCE(?, last_name), email = COALESCE(?, email), fields = ?,"
        " updated_at = ? WHERE id = ?",
        (
            name,
            first,
            last,
            entry.email,
            json.dumps(merged, ensure_ascii=False),
            to_iso(now),
            contact_id,
        ),
    )


def _consent(
    conn: sqlite3.Connection,
    phone: str,
    consent: ConsentInput,
    result: SaveResult,
    *,
    actor: str,
    policy: ConsentPolicy,
    now: datetime,
) -> None:
    current = result.subscription

    def change(status: str) -> int:
        result.subscription = status
        return store.change_subscription(
            conn,
            phone,
            status,
            source=consent.source,
            actor=actor,
            wording=consent.wording or None,
            message_id=None,
            now=now,
        )

    opted_out = current == "unsubscribed" or store.suppression(conn, phone) is not None
    if consent.status == "unsubscribed":
        if current != "unsubscribed":
            change("unsubscribed")
        store.suppress(conn, phone, f"{consent.source} by {actor}", now)
        store.cancel_queued_marketing(conn, phone, "opted out", now)
    elif opted_out and (consent.source == "import" or not consent.wording):
        # An old list must never undo a later STOP; an admin or API call with the person's
        # fresh wording may.
        result.warnings.append("opted out: not re-subscribed (needs new consent wording)")
    elif consent.wording:  # evidence of consent: subscribe
        if current != "subscribed":
            change("subscribed")
        store.unsuppress(conn, phone)
    elif current == "subscribed" or current == "pending":
        return  # nothing to do; a pending number was asked once already
    elif policy.double_opt_in:
        event_id = change("pending")
        result.request_id = _queue_request(conn, phone, event_id, policy, now)
    else:
        result.warnings.append("no consent evidence (wording): not subscribed")


def _queue_request(
    conn: sqlite3.Connection, phone: str, event_id: int, policy: ConsentPolicy, now: datetime
) -> int:
    text = render(JOIN_REQUEST, {"brand": policy.brand})
    plan = plan_segments(text)
    record, _ = enqueue_in(
        conn,
        NewMessage(
            phone=phone,
            text=text,
            kind="transactional",  # a neutral request, no marketing content
            encoding=plan.encoding.value,
            segments=plan.part_count,
            idempotency_key=f"optin-request:{event_id}",
            source="compliance",
        ),
        now,
    )
    return record.id
