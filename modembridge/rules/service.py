"""Rules as the REST API and the admin page use them: validated CRUD, reorder and dry run.

Every method returns JSON-ready dicts and raises `ValidationError` (with the HTTP status)
for bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from modembridge.clock import to_iso, utcnow
from modembridge.config import ComplianceSettings
from modembridge.numbers import InvalidNumber, is_machine_sender, normalize
from modembridge.rules.compliance import reserved_keys
from modembridge.rules.context import inbound_for, load_context
from modembridge.rules.effects import describe
from modembridge.rules.engine import decide
from modembridge.rules.handler import policy_for
from modembridge.rules.model import Rule, RuleError, render
from modembridge.rules.repository import CodeStats, RuleRepository
from modembridge.rules.validate import order_ids, parse_rule, rule_input
from modembridge.sms import plan_segments
from modembridge.store.db import Database
from modembridge.validation import ValidationError

MAX_DRY_RUN_TEXT = 1600


class RulesService:
    """Create, edit, order and try out keyword rules."""

    def __init__(
        self,
        db: Database,
        settings: ComplianceSettings,
        *,
        max_parts: int = 10,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Bind to the store and the `[compliance]` settings."""
        self._db = db
        self._settings = settings
        self._policy = policy_for(settings)
        self._max_parts = max_parts
        self._clock = clock
        self.repository = RuleRepository(db)

    def all(self) -> list[dict[str, Any]]:
        """Every rule in evaluation order, with code counts and hit counts."""
        stats, hits = self.repository.code_stats(), self.repository.hits()
        return [_json(r, stats.get(r.id), hits.get(r.id, 0)) for r in self.repository.all()]

    def get(self, rule_id: int) -> dict[str, Any]:
        """One rule.

        Raises:
            ValidationError: 404 when there is no such rule.
        """
        return self._stored(self._existing(rule_id))

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and store a new rule (see README for the fields).

        Raises:
            ValidationError: 422 naming the field at fault.
        """
        rule, codes = self._parse(data, default_priority=self.repository.next_priority())
        return self._stored(self.repository.create(rule, codes, self._clock()))

    def update(self, rule_id: int, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        """Replace (PUT) or change some fields of (PATCH, `partial`) a rule; `codes` given
        here are added to its list.

        Raises:
            ValidationError: 404 for an unknown rule, 422 for a bad field.
        """
        current = self._existing(rule_id)
        merged = {**rule_input(current), **data} if partial else dict(data)
        merged.setdefault("priority", current.priority)
        rule, codes = self._parse(
            merged, has_codes=self.repository.has_codes(rule_id), rule_id=rule_id
        )
        updated = self.repository.update(rule, codes, self._clock())
        if updated is None:  # deleted meanwhile
            raise ValidationError("not_found", f"no rule {rule_id}", 404)
        return self._stored(updated)

    def delete(self, rule_id: int) -> bool:
        """Delete a rule and its codes; False if there was none."""
        return self.repository.delete(rule_id)

    def reorder(self, ids: Sequence[object]) -> list[dict[str, Any]]:
        """Evaluate rules in the order of `ids` (every rule id once); return the new list.

        Raises:
            ValidationError: 422 when ids are missing, repeated or unknown.
        """
        existing = [r.id for r in self.repository.all()]
        try:
            wanted = order_ids(ids, existing)
        except RuleError as exc:
            raise ValidationError(exc.code, str(exc)) from None
        self.repository.reorder(wanted, self._clock())
        return self.all()

    def dry_run(self, phone: str, text: str) -> dict[str, Any]:
        """What would happen if `phone` sent `text` now, without changing anything.

        Returns:
            {"phone", "text", "matched": {"type": "compliance", "intent", "keyword"} |
            {"type": "rule", "keyword", "rule": {...}} | None, "reply": text or None,
            "reply_blocked": reason or None, "would_reply": bool, "effects": [{"type", ...}]}

        Raises:
            ValidationError: a bad number or an empty/oversized text.
        """
        party = self._sender(phone)
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_DRY_RUN_TEXT:
            raise ValidationError(
                "invalid_text", f"text must be 1-{MAX_DRY_RUN_TEXT} characters", 422
            )
        now = self._clock()
        conn = self._db.connection()  # reads only: a dry run never writes
        context = load_context(conn, inbound_for(party, text), self._policy.safety, now)
        decision = decide(context, self._policy, now)
        matched: dict[str, Any] | None = None
        if decision.rule is not None:
            rule = self._stored(decision.rule)
            matched = {"type": "rule", "keyword": decision.keyword, "rule": rule}
        elif decision.matched:
            intent, keyword = decision.matched, decision.keyword
            matched = {"type": "compliance", "intent": intent, "keyword": keyword}
        return {
            "phone": party,
            "text": text,
            "matched": matched,
            "reply": decision.reply,
            "reply_blocked": decision.blocked,
            "would_reply": decision.reply_to_send is not None,
            "effects": [describe(e) for e in decision.effects],
        }

    def _sender(self, phone: object) -> str:
        if not isinstance(phone, str) or not phone.strip():
            raise ValidationError("invalid_number", "phone must be a phone number", 422)
        try:
            return normalize(phone, self._settings.default_region)
        except InvalidNumber as exc:
            if is_machine_sender(phone.strip()):
                return phone.strip()  # a short code or a sender name: allowed, never answered
            raise ValidationError("invalid_number", str(exc), 422) from None

    def _existing(self, rule_id: int) -> Rule:
        rule = self.repository.get(rule_id)
        if rule is None:
            raise ValidationError("not_found", f"no rule {rule_id}", 404)
        return rule

    def _stored(self, rule: Rule) -> dict[str, Any]:
        stats = self.repository.code_stats().get(rule.id)
        return _json(rule, stats, self.repository.hits().get(rule.id, 0))

    def _parse(
        self,
        data: Mapping[str, Any],
        *,
        has_codes: bool = False,
        rule_id: int = 0,
        default_priority: int = 0,
    ) -> tuple[Rule, tuple[str, ...]]:
        try:
            rule, codes = parse_rule(
                data,
                reserved=reserved_keys(self._settings.join_keyword),
                has_codes=has_codes,
                rule_id=rule_id,
                default_priority=default_priority,
            )
        except RuleError as exc:
            raise ValidationError(exc.code, str(exc), 422) from None
        self._check_size(rule, codes)
        return rule, codes

    def _check_size(self, rule: Rule, codes: Sequence[str]) -> None:
        """A reply filled with typical values must fit the message size limit."""
        sample = {
            "first_name": "Alexandra",
            "last_name": "Montgomery",
            "phone": "+15551234567",
            "text": rule.keyword[:20] or "sample text",
            "keyword": rule.keyword[:20],
            "coupon": max(codes, key=len, default="CODE-0000"),
            "brand": self._settings.brand,
        }
        for name, template in (("reply", rule.reply), ("exhausted_reply", rule.exhausted_reply)):
            parts = plan_segments(render(template, sample)).part_count if template else 0
            if parts > self._max_parts:
                raise ValidationError(
                    "reply_too_long",
                    f"{name} needs {parts} SMS parts; the limit is {self._max_parts}",
                    422,
                )


def _json(rule: Rule, stats: CodeStats | None, hits: int) -> dict[str, Any]:
    codes = stats or CodeStats()
    return {
        "id": rule.id,
        **rule_input(rule),
        "codes": {
            "total": codes.total,
            "assigned": codes.assigned,
            "left": codes.total - codes.assigned,
        },
        "hits": hits,
        "created_at": to_iso(rule.created_at) if rule.created_at else None,
        "updated_at": to_iso(rule.updated_at) if rule.updated_at else None,
    }
