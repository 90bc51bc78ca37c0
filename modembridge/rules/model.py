"""Rules, their actions and reply templates (pure data; no I/O)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modembridge.rules.normalize import key

MATCH_MODES = ("exact", "first_word", "regex", "any")
ACTION_TYPES = ("subscribe", "unsubscribe", "tag", "untag", "webhook", "handover")
# What a reply may contain: the contact, the message, the rule's keyword, a coupon, the brand.
PLACEHOLDERS = ("first_name", "last_name", "phone", "text", "keyword", "coupon", "brand")
MAX_VALUE = 160  # a placeholder value (e.g. the sender's {text}) is cut to this length
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class RuleError(ValueError):
    """A rule definition that cannot be accepted; `code` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        """Build an error with a stable `code` and a message for people."""
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Action:
    """One thing a rule does besides replying.

    `value` is the list name (subscribe/unsubscribe), the tag (tag/untag) or the URL
    (webhook); `secret` signs webhook bodies; `minutes` is a handover's timeout.
    """

    type: str
    value: str = ""
    secret: str = ""
    minutes: int = 0

    def to_json(self) -> dict[str, Any]:
        """The action as the API shows and stores it."""
        if self.type in ("subscribe", "unsubscribe"):
            return {"type": self.type, "list": self.value}
        if self.type in ("tag", "untag"):
            return {"type": self.type, "tag": self.value}
        if self.type == "webhook":
            return {"type": "webhook", "url": self.value, "secret": self.secret}
        return {"type": "handover", "minutes": self.minutes}


@dataclass(frozen=True)
class Rule:
    """A keyword rule. `keyword` is the regex for `regex` rules and empty for `any`."""

    id: int
    keyword: str
    match: str
    priority: int
    name: str = ""
    aliases: tuple[str, ...] = ()
    reply: str = ""
    exhausted_reply: str = ""
    actions: tuple[Action, ...] = ()
    active_from: datetime | None = None
    active_until: datetime | None = None
    enabled: bool = True
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)

    def keys(self) -> tuple[str, ...]:
        """Matching keys of the keyword and its aliases (exact and first_word rules)."""
        return tuple(key(k) for k in (self.keyword, *self.aliases) if key(k))

    def active(self, now: datetime) -> bool:
        """Enabled, and `now` inside [active_from, active_until)."""
        if not self.enabled:
            return False
        if self.active_from is not None and now < self.active_from:
            return False
        return self.active_until is None or now < self.active_until

    def uses_coupon(self) -> bool:
        """True when the reply hands out a value from the rule's code list."""
        return "coupon" in template_fields(self.reply)

    def sort_key(self) -> tuple[int, int, int]:
        """Evaluation order: keyword rules by priority then id; catch-all rules last."""
        return (self.match == "any", self.priority, self.id)


def template_fields(template: str) -> list[str]:
    """The placeholder names a reply template uses, in order (`{first_name|there}` counts as
    `first_name`; the text after `|` is used when the value is empty).

    Raises:
        RuleError: unbalanced braces, an unknown placeholder, or a format spec/conversion.
    """
    return [name for _, name, _ in _parse(template) if name]


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a validated template; values are cleaned of control characters and cut short."""
    out = []
    for literal, name, fallback in _parse(template):
        out.append(literal)
        if name:
            value = _CONTROL.sub(" ", values.get(name, ""))[:MAX_VALUE].strip()
            out.append(value or fallback)
    return "".join(out).strip()


def _parse(template: str) -> list[tuple[str, str, str]]:
    """(literal text, placeholder name or "", fallback) pieces of a template."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        message = f"reply template: {exc} (write {{{{ for a brace)"
        raise RuleError("invalid_template", message) from None
    pieces = []
    for literal, field_name, spec, conversion in parsed:
        if field_name is None:
            pieces.append((literal, "", ""))
            continue
        name, _, fallback = field_name.partition("|")
        if name.strip() not in PLACEHOLDERS:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise RuleError(
                "unknown_placeholder", f"unknown placeholder {{{name}}}; use one of {allowed}"
            )
        if spec or conversion:
            raise RuleError("invalid_template", f"placeholder {{{name}}} takes no format options")
        pieces.append((literal, name.strip(), fallback))
    return pieces
