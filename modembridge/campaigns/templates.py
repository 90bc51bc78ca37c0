"""Message templates with personalisation (pure).

Syntax: `{first_name}` inserts a field, `{first_name|there}` falls back to "there" when the
field is missing or empty, `{{` and `}}` are literal braces. Field names are letters, digits
and `_`. Deliberately not `str.format`: no attribute or index access, so a template can only
read the flat fields it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from modembridge.sms import plan_segments
from modembridge.validation import ValidationError, check_text

FOOTER = "Reply STOP to opt out"
MAX_TEMPLATE_LENGTH = 2000
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})(?:\|([^{}]{0,100}))?\}|[{}]")


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and (field, fallback) pairs, in order."""

    source: str
    parts: tuple[str | tuple[str, str], ...]

    @property
    def fields(self) -> frozenset[str]:
        """The field names the template reads."""
        return frozenset(p[0] for p in self.parts if isinstance(p, tuple))

    def render(self, values: Mapping[str, str]) -> str:
        """Fill the fields from `values` (missing or empty: the fallback, else nothing)."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(values.get(part[0]) or part[1])
        return "".join(out)


def parse_template(source: object) -> Template:
    """Parse and check a template.

    Raises:
        ValidationError: not text, empty, too long, control characters, or a stray brace.
    """
    text = check_text(source)
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ValidationError(
            "text_too_long", f"the template is longer than {MAX_TEMPLATE_LENGTH} characters", 413
        )
    parts: list[str | tuple[str, str]] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1) is None:
            raise ValidationError(
                "invalid_template",
                f"stray {token!r} at position {match.start()}: write {{field}} or {token * 2}",
            )
        else:
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append((match.group(1), match.group(2) or ""))
    literal.append(text[pos:])
    if any(literal):
        parts.append("".join(literal))
    return Template(text, tuple(parts))


def compose_marketing(body: str, brand: str) -> str:
    """The text a marketing recipient gets: brand first, the opt-out footer last.

    Both count in the segment budget because they are part of the text that is planned.
    """
    return f"{brand}: {body}\n{FOOTER}"


@dataclass(frozen=True)
class RenderedText:
    """A personalised message ready for the outbox."""

    text: str
    encoding: str
    segments: int


def finish_text(body: str, *, marketing: bool, brand: str, max_parts: int) -> RenderedText:
    """Add the marketing footer when needed, then check and plan the final text.

    Raises:
        ValidationError: `invalid_text` (e.g. a control character from a contact field) or
            `text_too_long` (more than `max_parts` parts).
    """
    text = compose_marketing(body, brand) if marketing else body
    check_text(text)
    plan = plan_segments(text)
    if plan.part_count > max_parts:
        raise ValidationError(
            "text_too_long",
            f"the message needs {plan.part_count} SMS parts ({plan.encoding.value});"
            f" the limit is {max_parts}",
            413,
        )
    return RenderedText(text, plan.encoding.value, plan.part_count)
