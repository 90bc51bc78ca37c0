"""Turn a rule as the API or the admin page sends it into a `Rule` (pure validation).

Every problem raises `RuleError` naming the field, so a bad rule is refused at creation
instead of misbehaving when an SMS arrives.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from modembridge.clock import from_iso, to_iso
from modembridge.rules.model import (
    ACTION_TYPES,
    MATCH_MODES,
    Action,
    Rule,
    RuleError,
    template_fields,
)
from modembridge.rules.normalize import key
from modembridge.rules.regex_guard import UnsafePattern, compile_safe

FIELDS = frozenset(
    {
        "name",
        "keyword",
        "aliases",
        "match",
        "priority",
        "reply",
        "exhausted_reply",
        "codes",
        "actions",
        "active_from",
        "active_until",
        "enabled",
    }
)
MAX_KEYWORD = 60
MAX_ALIASES = 20
MAX_TEMPLATE = 1000
MAX_ACTIONS = 10
MAX_CODES = 100_000
MAX_CODE = 64
MAX_HANDOVER_MINUTES = 7 * 24 * 60


def parse_rule(
    data: Mapping[str, Any],
    *,
    reserved: frozenset[str],
    has_codes: bool = False,
    rule_id: int = 0,
    default_priority: int = 0,
) -> tuple[Rule, tuple[str, ...]]:
    """Validate a rule definition; return the rule and the coupon codes it brings.

    Args:
        data: the JSON object (see README "Keywords and compliance").
        reserved: keys that belong to the compliance keywords (STOP, HELP, JOIN, ...).
        has_codes: the rule already has codes stored (an edit may use {coupon} without any).
        rule_id: the id of the rule being edited (0 for a new one).
        default_priority: used when `priority` is missing.

    Raises:
        RuleError: the first problem found.
    """
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise RuleError("unknown_field", f"unknown field(s): {', '.join(unknown)}")
    match = data.get("match", "exact")
    if match not in MATCH_MODES:
        raise RuleError("invalid_match", f"match must be one of {', '.join(MATCH_MODES)}")
    keyword, aliases = _keywords(data, match, reserved)
    codes = _codes(data.get("codes", []))
    reply = _template(data.get("reply", ""), "reply")
    exhausted = _template(data.get("exhausted_reply", ""), "exhausted_reply")
    if "coupon" in template_fields(exhausted):
        raise RuleError("invalid_template", "exhausted_reply cannot use {coupon}: none is left")
    uses_coupon = "coupon" in template_fields(reply)
    if uses_coupon and not (codes or has_codes):
        raise RuleError("codes_required", "the reply uses {coupon}: give the rule a codes list")
    if codes and not uses_coupon:
        raise RuleError("coupon_unused", "codes were given but the reply has no {coupon}")
    actions = _actions(data.get("actions", []))
    if not reply and not actions:
        raise RuleError("empty_rule", "a rule needs a reply or at least one action")
    active_from = _moment(data.get("active_from"), "active_from")
    active_until = _moment(data.get("active_until"), "active_until")
    if active_from and active_until and active_from >= active_until:
        raise RuleError("invalid_window", "active_from must be before active_until")
    rule = Rule(
        id=rule_id,
        name=_text(data.get("name", ""), "name", 100),
        keyword=keyword,
        aliases=aliases,
        match=match,
        priority=_priority(data.get("priority", default_priority)),
        reply=reply,
        exhausted_reply=exhausted,
        actions=actions,
        active_from=active_from,
        active_until=active_until,
        enabled=_flag(data.get("enabled", True)),
    )
    return rule, codes


def rule_input(rule: Rule) -> dict[str, Any]:
    """The editable fields of a stored rule, in the shape `parse_rule` accepts (for PATCH)."""
    return {
        "name": rule.name,
        "keyword": rule.keyword,
        "aliases": list(rule.aliases),
        "match": rule.match,
        "priority": rule.priority,
        "reply": rule.reply,
        "exhausted_reply": rule.exhausted_reply,
        "actions": [a.to_json() for a in rule.actions],
        "active_from": to_iso(rule.active_from) if rule.active_from else None,
        "active_until": to_iso(rule.active_until) if rule.active_until else None,
        "enabled": rule.enabled,
    }


def _keywords(
    data: Mapping[str, Any], match: str, reserved: frozenset[str]
) -> tuple[str, tuple[str, ...]]:
    raw_aliases = data.get("aliases", [])
    if not isinstance(raw_aliases, list) or len(raw_aliases) > MAX_ALIASES:
        raise RuleError("invalid_aliases", f"aliases must be a list of at most {MAX_ALIASES}")
    keyword = data.get("keyword", "")
    if not isinstance(keyword, str):
        raise RuleError("invalid_keyword", "keyword must be a string")
    keyword = keyword.strip()
    if match == "any":
        if keyword or raw_aliases:
            raise RuleError("invalid_keyword", "a catch-all rule (match any) has no keyword")
        return "", ()
    if match == "regex":
        if raw_aliases:
            raise RuleError("invalid_aliases", "a regex rule has no aliases: use | in the regex")
        try:
            compile_safe(keyword)
        except UnsafePattern as exc:
            raise RuleError("invalid_regex", str(exc)) from None
        return keyword, ()
    words = [keyword, *raw_aliases]
    for word in words:
        _check_keyword(word, reserved)
    aliases = tuple(dict.fromkeys(a.strip() for a in raw_aliases if key(a) != key(keyword)))
    return keyword, aliases


def _check_keyword(word: object, reserved: frozenset[str]) -> None:
    if not isinstance(word, str) or not key(word):
        raise RuleError("invalid_keyword", "keywords must contain letters or digits")
    if len(word) > MAX_KEYWORD:
        raise RuleError("invalid_keyword", f"keyword {word!r} is longer than {MAX_KEYWORD}")
    if key(word) in reserved:
        raise RuleError(
            "reserved_keyword",
            f"{word!r} is a compliance keyword (STOP/START/HELP/JOIN...) and is handled built-in",
        )


def _template(value: object, name: str) -> str:
    text = _text(value, name, MAX_TEMPLATE)
    template_fields(text)
    return text


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise RuleError("invalid_field", f"{name} must be a string")
    if len(value) > limit:
        raise RuleError("invalid_field", f"{name} is longer than {limit} characters")
    if any((ord(c) < 32 and c not in "\r\n") or 0x7F <= ord(c) <= 0x9F for c in value):
        raise RuleError("control_character", f"{name} contains a control character")
    return value.strip()


def _codes(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_CODES:
        raise RuleError("invalid_codes", f"codes must be a list of at most {MAX_CODES} strings")
    seen: set[str] = set()
    for code in value:
        if not isinstance(code, str) or not code.strip() or len(code.strip()) > MAX_CODE:
            raise RuleError("invalid_codes", f"each code must be 1-{MAX_CODE} characters")
        if any(c.isspace() or ord(c) < 32 for c in code.strip()):
            raise RuleError("invalid_codes", f"code {code!r} contains spaces or control characters")
        if code.strip() in seen:
            raise RuleError("duplicate_code", f"code {code.strip()!r} appears twice")
        seen.add(code.strip())
    return tuple(c.strip() for c in value)


def _actions(value: object) -> tuple[Action, ...]:
    if not isinstance(value, list) or len(value) > MAX_ACTIONS:
        raise RuleError("invalid_actions", f"actions must be a list of at most {MAX_ACTIONS}")
    return tuple(_action(item) for item in value)


def _action(item: object) -> Action:
    if not isinstance(item, Mapping) or item.get("type") not in ACTION_TYPES:
        raise RuleError(
            "invalid_action", f"each action needs a type: one of {', '.join(ACTION_TYPES)}"
        )
    kind = str(item["type"])
    expected = {
        "subscribe": {"list"},
        "unsubscribe": {"list"},
        "tag": {"tag"},
        "untag": {"tag"},
        "webhook": {"url", "secret"},
        "handover": {"minutes"},
    }[kind]
    extra = sorted(set(item) - expected - {"type"})
    if extra:
        raise RuleError("invalid_action", f"{kind} action: unknown field(s) {', '.join(extra)}")
    if kind in ("subscribe", "unsubscribe", "tag", "untag"):
        field = "list" if kind in ("subscribe", "unsubscribe") else "tag"
        name = item.get(field)
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 64:
            raise RuleError("invalid_action", f"{kind} action needs a {field} of 1-64 characters")
        return Action(kind, _text(name, field, 64))
    if kind == "webhook":
        return Action("webhook", _url(item.get("url")), _secret(item.get("secret")))
    minutes = item.get("minutes", 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise RuleError("invalid_action", "handover minutes must be a whole number")
    if not 1 <= minutes <= MAX_HANDOVER_MINUTES:
        raise RuleError("invalid_action", f"handover minutes must be 1-{MAX_HANDOVER_MINUTES}")
    return Action("handover", minutes=minutes)


def _url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise RuleError("invalid_action", "webhook url must be a string")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleError("invalid_action", "webhook url must be an http:// or https:// URL")
    return value.strip()


def _secret(value: object) -> str:
    if value is None or value == "":
        return secrets.token_hex(16)  # the receiver needs it: shown with the rule
    if not isinstance(value, str) or not 8 <= len(value) <= 200:
        raise RuleError("invalid_action", "webhook secret must be 8-200 characters")
    return value


def _moment(value: object, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RuleError("invalid_time", f"{name} must be an ISO-8601 time")
    try:
        return from_iso(value)
    except ValueError:
        raise RuleError("invalid_time", f"{name} must be an ISO-8601 time") from None


def _priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise RuleError("invalid_priority", "priority must be a whole number 0-1000000")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise RuleError("invalid_field", "enabled must be true or false")
    return value


def order_ids(ids: Sequence[object], existing: Sequence[int]) -> list[int]:
    """Validate a reorder request: every existing rule id exactly once.

    Raises:
        RuleError: ids missing, repeated, unknown or not integers.
    """
    if not isinstance(ids, list | tuple):
        raise RuleError("invalid_order", "ids must be a list of rule ids")
    wanted = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    if len(wanted) != len(ids):
        raise RuleError("invalid_order", "ids must be rule ids (integers)")
    if sorted(wanted) != sorted(existing):
        raise RuleError("invalid_order", "ids must list every rule exactly once")
    return wanted
