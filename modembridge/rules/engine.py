"""The keyword engine: what to do about one inbound message (pure; time is an argument).

Order: an undecodable or empty message gets nothing; compliance keywords come first (STOP
and revocations, START/YES/UNSTOP, JOIN, HELP/INFO), then, unless a person has taken the
conversation over, the user rules by priority with catch-all rules last. The reply is then
gated by the safety checks (machine senders, the per-sender limit, the loop guard).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from modembridge.clock import to_iso
from modembridge.rules import compliance
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
from modembridge.rules.model import Action, Rule, render
from modembridge.rules.normalize import first_words_match, fold, key
from modembridge.rules.regex_guard import compile_safe, search
from modembridge.rules.safety import SafetyPolicy, SenderHistory, reply_block

EXHAUSTED_REPLY = "Sorry, this offer has run out."


@dataclass(frozen=True)
class Policy:
    """Compliance settings the engine applies (from `[compliance]` in the config)."""

    brand: str = "Acme"
    double_opt_in: bool = True
    join_keyword: str = "JOIN"
    help_text: str = compliance.DEFAULT_HELP
    safety: SafetyPolicy = field(default_factory=SafetyPolicy)


@dataclass(frozen=True)
class Inbound:
    """The message being handled (`message_id` is None in a dry run)."""

    phone: str
    text: str
    message_id: int | None = None
    decode_error: str | None = None
    machine_sender: bool = False


@dataclass(frozen=True)
class ContactView:
    """The sender as the store knows them."""

    first_name: str = ""
    last_name: str = ""
    subscription: str = "none"
    suppressed: bool = False


@dataclass(frozen=True)
class CouponSlot:
    """The code a rule would give this sender: one they hold already, or the next free one."""

    code: str
    held: bool


@dataclass(frozen=True)
class Context:
    """Everything `decide` looks at, loaded by the caller inside one transaction."""

    inbound: Inbound
    contact: ContactView = field(default_factory=ContactView)
    rules: Sequence[Rule] = ()
    coupons: Mapping[int, CouponSlot | None] = field(default_factory=dict)
    history: SenderHistory = field(default_factory=SenderHistory)


@dataclass(frozen=True)
class Decision:
    """What to do. `reply` is the text that would answer; `blocked` why it will not."""

    matched: str | None  # opt_out | opt_in | join | help | rule | None
    keyword: str | None = None
    rule: Rule | None = None
    effects: tuple[Effect, ...] = ()
    reply: str | None = None
    blocked: str | None = None

    @property
    def source(self) -> str:
        """`messages.source` of the reply: 'rule' or 'compliance'."""
        return "rule" if self.matched == "rule" else "compliance"

    @property
    def reply_to_send(self) -> str | None:
        """The reply, unless a safety check blocks it."""
        return self.reply if self.reply and not self.blocked else None


def decide(ctx: Context, policy: Policy, now: datetime) -> Decision:
    """Decide the effects and the reply for one inbound message."""
    inbound = ctx.inbound
    if inbound.decode_error is not None:
        return Decision(None, blocked=f"the message could not be decoded: {inbound.decode_error}")
    if not inbound.text.strip():
        return Decision(None, blocked="the message is empty")
    found = compliance.classify(inbound.text, policy.join_keyword)
    if found is not None:
        decision = _compliance(found, ctx, policy)
    elif ctx.history.handover_active:
        return Decision(None, blocked="a person has taken over this conversation")
    else:
        decision = _rules(ctx, policy, now)
    if decision.reply:
        block = reply_block(
            ctx.history,
            policy.safety,
            machine_sender=inbound.machine_sender,
            compliance=found is not None,
        )
        decision = replace(decision, blocked=block)
    return decision


def match_rule(rules: Sequence[Rule], text: str, now: datetime) -> tuple[Rule, str] | None:
    """The first active rule that matches `text`, with the keyword (or regex match) it hit."""
    message_key, folded = key(text), fold(text)
    for rule in sorted(rules, key=Rule.sort_key):
        if not rule.active(now):
            continue
        hit = _match(rule, message_key, folded)
        if hit is not None:
            return rule, hit
    return None


def _match(rule: Rule, message_key: str, folded: str) -> str | None:
    if rule.match == "any":
        return "" if message_key or folded else None
    if rule.match == "regex":
        found = search(_compiled(rule.keyword), folded)
        return found.group(0) if found else None
    keys = rule.keys()
    if rule.match == "exact":
        return rule.keyword if message_key in keys else None
    return rule.keyword if any(first_words_match(message_key, k) for k in keys) else None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Stored patterns passed compile_safe on creation; compiling again is the same check.
    return compile_safe(pattern)


def _compliance(found: compliance.ComplianceMatch, ctx: Context, policy: Policy) -> Decision:
    contact, text = ctx.contact, ctx.inbound.text
    effects: list[Effect] = []
    if found.intent == "opt_out":
        if contact.subscription != "unsubscribed":
            effects.append(SetSubscription("unsubscribed", found.source, text))
        effects += [Suppress(f"{found.source}: {text[:200]}"), CancelMarketing("opted out")]
        reply = compliance.OPT_OUT_REPLY
    elif found.intent == "help":
        reply = policy.help_text
    elif found.intent == "join" and policy.double_opt_in and contact.subscription != "subscribed":
        if contact.subscription != "pending":
            effects.append(SetSubscription("pending", "keyword", text))
        reply = compliance.JOIN_REQUEST
    else:  # START / YES / UNSTOP, or JOIN without double opt-in
        if contact.subscription != "subscribed":
            effects.append(SetSubscription("subscribed", "keyword", text))
        if contact.suppressed:
            effects.append(Unsuppress())
        reply = compliance.OPT_IN_REPLY
    return Decision(
        found.intent,
        keyword=found.keyword,
        effects=tuple(effects),
        reply=render(reply, {"brand": policy.brand}),
    )


def _rules(ctx: Context, policy: Policy, now: datetime) -> Decision:
    hit = match_rule(ctx.rules, ctx.inbound.text, now)
    if hit is None:
        return Decision(None)
    rule, keyword = hit
    values = {
        "first_name": ctx.contact.first_name,
        "last_name": ctx.contact.last_name,
        "phone": ctx.inbound.phone,
        "text": ctx.inbound.text,
        "keyword": keyword,
        "brand": policy.brand,
    }
    effects: list[Effect] = []
    template = rule.reply
    if rule.uses_coupon():
        slot = ctx.coupons.get(rule.id)
        if slot is None:
            template = rule.exhausted_reply or EXHAUSTED_REPLY
        else:
            values["coupon"] = slot.code
            if not slot.held:
                effects.append(AssignCoupon(rule.id, slot.code))
    effects += [_effect(action, rule, ctx, values, now) for action in rule.actions]
    reply = render(template, values) if template else None
    return Decision("rule", keyword=keyword, rule=rule, effects=tuple(effects), reply=reply)


def _effect(
    action: Action, rule: Rule, ctx: Context, values: Mapping[str, str], now: datetime
) -> Effect:
    if action.type in ("subscribe", "unsubscribe"):
        return ListChange(action.value, action.type == "subscribe")
    if action.type in ("tag", "untag"):
        return TagChange(action.value, action.type == "tag")
    if action.type == "webhook":
        return CallWebhook(rule.id, action.value, action.secret, _payload(rule, ctx, values, now))
    return StartHandover(rule.id, now + timedelta(minutes=action.minutes))


def _payload(rule: Rule, ctx: Context, values: Mapping[str, str], now: datetime) -> dict[str, Any]:
    return {
        "event": "keyword",
        "at": to_iso(now),
        "rule": {"id": rule.id, "name": rule.name, "keyword": rule.keyword, "match": rule.match},
        "message": {
            "id": ctx.inbound.message_id,
            "from": ctx.inbound.phone,
            "text": values["text"],
        },
        "keyword": values["keyword"],
        "coupon": values.get("coupon"),
        "contact": {
            "first_name": ctx.contact.first_name,
            "last_name": ctx.contact.last_name,
            "subscription": ctx.contact.subscription,
        },
    }
