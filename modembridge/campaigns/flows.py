"""Automation flow definitions and shop events: validation (pure).

A flow is a trigger event and steps run in order for each triggering event:
`{"wait": "1h"}` (s/m/h/d), `{"unless": "order_placed"}` (stop if that event arrived for the
same number since the trigger), `{"send": "template {item}", "kind": "marketing"}` (kind
defaults to marketing, the stricter one: subscription, quiet hours and the frequency cap
apply, brand and opt-out footer are added; transactional sends skip all of that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modembridge.campaigns.schedule import parse_duration
from modembridge.campaigns.templates import parse_template
from modembridge.validation import KINDS, ValidationError

MAX_STEPS = 20
MAX_DATA_KEYS = 50
MAX_VALUE_LENGTH = 1000
_EVENT = re.compile(r"^[a-z0-9_.:-]{1,64}$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FlowDefinition:
    """A validated flow."""

    name: str
    trigger: str
    steps: tuple[dict[str, str], ...]


def parse_flow(fields: dict[str, Any]) -> FlowDefinition:
    """Validate a flow from the API.

    Raises:
        ValidationError: a bad name, trigger or step, or no send step at all.
    """
    unknown = sorted(set(fields) - {"name", "trigger", "steps"})
    if unknown:
        raise ValidationError("unknown_field", f"unknown field(s): {', '.join(unknown)}")
    name = fields.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100 or _CONTROL.search(name):
        raise ValidationError("invalid_name", "name must be 1-100 characters")
    trigger = event_name(fields.get("trigger"), "trigger")
    steps = fields.get("steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise ValidationError("invalid_steps", f"steps must be a list of 1-{MAX_STEPS} steps")
    parsed = tuple(_parse_step(step, i) for i, step in enumerate(steps))
    if not any("send" in step for step in parsed):
        raise ValidationError("invalid_steps", "a flow needs at least one send step")
    return FlowDefinition(name.strip(), trigger, parsed)


def _parse_step(step: object, index: int) -> dict[str, str]:
    where = f"steps[{index}]"
    if not isinstance(step, dict):
        raise ValidationError("invalid_steps", f"{where} must be an object")
    actions = [key for key in ("wait", "unless", "send") if key in step]
    allowed = {actions[0], "kind"} if actions == ["send"] else set(actions)
    if len(actions) != 1 or set(step) - allowed:
        raise ValidationError(
            "invalid_steps", f'{where} must be {{"wait"}}, {{"unless"}} or {{"send", "kind"}}'
        )
    action = actions[0]
    if action == "wait":
        parse_duration(step["wait"])
        return {"wait": str(step["wait"]).strip()}
    if action == "unless":
        return {"unless": event_name(step["unless"], f"{where}.unless")}
    kind = step.get("kind", "marketing")
    if kind not in KINDS:
        raise ValidationError("invalid_kind", f"{where}.kind must be one of {', '.join(KINDS)}")
    return {"send": parse_template(step["send"]).source, "kind": str(kind)}


def event_name(value: object, what: str = "event") -> str:
    """An event name: 1-64 of a-z 0-9 _ . : - (matched case-insensitively).

    Raises:
        ValidationError: anything else.
    """
    if not isinstance(value, str) or not _EVENT.match(value.strip().lower()):
        raise ValidationError(
            "invalid_event", f"{what} must be an event name (1-64 of a-z 0-9 _ . : -)"
        )
    return value.strip().lower()


def event_data(value: object) -> dict[str, str]:
    """An event's data as template values: a flat object of short scalars.

    Raises:
        ValidationError: not an object, too many keys, a bad key, a nested value, a long
            value or a control character (it would end up in an SMS).
    """
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_DATA_KEYS:
        raise ValidationError(
            "invalid_data", f"data must be an object of at most {MAX_DATA_KEYS} keys"
        )
    data: dict[str, str] = {}
    for key, item in value.items():
        if not _KEY.match(key):
            raise ValidationError("invalid_data", f"data key {key!r} must be letters, digits, _")
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif item is None or isinstance(item, str | int | float):
            text = "" if item is None else str(item)
        else:
            raise ValidationError("invalid_data", f"data.{key} must be a string or a number")
        if len(text) > MAX_VALUE_LENGTH or _CONTROL.search(text):
            raise ValidationError(
                "invalid_data", f"data.{key} is too long or contains control characters"
            )
        data[key] = text
    return data
