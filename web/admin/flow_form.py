"""Flow steps as lines of text, one step per line, for the flow form.

    wait 1h
    unless order_placed
    send: You left {item} in your cart: {cart_url}
    send transactional: Your order has shipped

The flows service validates the steps themselves; this only maps lines to step objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class StepSyntaxError(ValueError):
    """A line that is not a step; the message names the line."""


def parse_steps(text: str) -> list[dict[str, str]]:
    """Steps from the form's text (blank lines ignored).

    Raises:
        StepSyntaxError: a line that does not start with wait, unless or send.
    """
    steps = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        if word.lower() in ("wait", "unless"):
            steps.append({word.lower(): rest.strip()})
            continue
        head, colon, body = line.partition(":")
        parts = head.lower().split()
        if colon and parts and parts[0] == "send" and len(parts) <= 2:
            step = {"send": body.strip()}
            if len(parts) == 2:
                step["kind"] = parts[1]
            steps.append(step)
            continue
        raise StepSyntaxError(
            f"line {number}: start with “wait 1h”, “unless EVENT” or “send: TEXT”"
        )
    return steps


def format_steps(steps: Iterable[Mapping[str, Any]]) -> str:
    """The text form of stored steps (the inverse of `parse_steps`)."""
    lines = []
    for step in steps:
        if "wait" in step:
            lines.append(f"wait {step['wait']}")
        elif "unless" in step:
            lines.append(f"unless {step['unless']}")
        else:
            kind = step.get("kind", "marketing")
            prefix = "send" if kind == "marketing" else f"send {kind}"
            lines.append(f"{prefix}: {step['send']}")
    return "\n".join(lines)
