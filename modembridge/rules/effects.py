"""What handling an inbound message changes, as plain data (pure).

The engine returns these; `modembridge.rules.apply` writes them in one transaction, and the
dry run shows them with `describe`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modembridge.clock import to_iso


@dataclass(frozen=True)
class SetSubscription:
    """The number's marketing subscription changes, with a consent record."""

    status: str  # none | pending | subscribed | unsubscribed
    source: str  # keyword | revocation
    wording: str  # the exact text the person sent


@dataclass(frozen=True)
class Suppress:
    """Add the number to the permanent suppression list (kept even after erasure)."""

    reason: str


@dataclass(frozen=True)
class Unsuppress:
    """Lift the suppression: the person opted in again themselves."""


@dataclass(frozen=True)
class CancelMarketing:
    """Queued marketing messages to the number become `suppressed`."""

    reason: str


@dataclass(frozen=True)
class ListChange:
    """Join (`member`) or leave a contact list; the list is created when needed."""

    list: str
    member: bool


@dataclass(frozen=True)
class TagChange:
    """Add (`present`) or remove a tag."""

    tag: str
    present: bool


@dataclass(frozen=True)
class AssignCoupon:
    """Give the sender this code from the rule's list (single use: nobody else gets it)."""

    rule_id: int
    code: str


@dataclass(frozen=True)
class CallWebhook:
    """POST the payload to the URL, HMAC-signed, through the durable delivery queue."""

    rule_id: int
    url: str
    secret: str = field(repr=False)
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartHandover:
    """A person takes the conversation: no auto-replies until an admin answers or `until`."""

    rule_id: int
    until: datetime


Effect = (
    SetSubscription
    | Suppress
    | Unsuppress
    | CancelMarketing
    | ListChange
    | TagChange
    | AssignCoupon
    | CallWebhook
    | StartHandover
)


def describe(effect: Effect) -> dict[str, Any]:
    """A JSON-ready description of an effect (webhook secrets left out)."""
    if isinstance(effect, SetSubscription):
        return {
            "type": "subscription",
            "status": effect.status,
            "source": effect.source,
            "wording": effect.wording,
        }
    if isinstance(effect, Suppress):
        return {"type": "suppress", "reason": effect.reason}
    if isinstance(effect, Unsuppress):
        return {"type": "unsuppress"}
    if isinstance(effect, CancelMarketing):
        return {"type": "cancel_queued_marketing", "reason": effect.reason}
    if isinstance(effect, ListChange):
        return {"type": "subscribe" if effect.member else "unsubscribe", "list": effect.list}
    if isinstance(effect, TagChange):
        return {"type": "tag" if effect.present else "untag", "tag": effect.tag}
    if isinstance(effect, AssignCoupon):
        return {"type": "coupon", "rule_id": effect.rule_id, "code": effect.code}
    if isinstance(effect, CallWebhook):
        return {"type": "webhook", "url": effect.url, "payload": dict(effect.payload)}
    return {"type": "handover", "until": to_iso(effect.until)}
