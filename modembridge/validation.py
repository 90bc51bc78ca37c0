"""Checks on an outbound message before it is accepted (pure: no I/O, time is an argument).

Everything that would reach the modem is validated here, so bad input gets a clear error and
never an AT command injection: control characters such as Ctrl-Z (ends a PDU) and ESC
(aborts one) are refused outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge.clock import from_iso
from modembridge.numbers import InvalidNumber, normalize
from modembridge.sms import SegmentPlan, plan_segments

KINDS = ("transactional", "marketing")
MAX_KEY_LENGTH = 200
# C0 controls except LF and CR (both are in the GSM-7 alphabet and common in messages), DEL,
# and the C1 range.
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ValidationError(ValueError):
    """Input the API refuses: `code` is machine-readable, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        """Build an error with a stable `code` and a message for people."""
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class OutboundRequest:
    """A validated outbound message."""

    phone: str
    text: str
    kind: str
    plan: SegmentPlan
    idempotency_key: str | None
    send_at: datetime | None
    expires_at: datetime | None


def validate_outbound(
    *,
    to: object,
    text: object,
    kind: object = "transactional",
    idempotency_key: object = None,
    send_at: object = None,
    validity: object = None,
    default_region: str,
    max_parts: int,
    now: datetime,
) -> OutboundRequest:
    """Validate the fields of an outbound message.

    Args:
        to, text, kind, idempotency_key, send_at, validity: the raw request values
            (`send_at` ISO-8601, `validity` seconds the message stays worth sending).
        default_region: region for numbers without a country code.
        max_parts: the most SMS parts one message may take.
        now: the current time (UTC).

    Raises:
        ValidationError: with the field at fault in the message.
    """
    phone = _phone(to, default_region)
    body = check_text(text)
    if kind not in KINDS:
        raise ValidationError("invalid_kind", f"kind must be one of {', '.join(KINDS)}")
    plan = plan_segments(body)
    if plan.part_count > max_parts:
        raise ValidationError(
            "text_too_long",
            f"text needs {plan.part_count} SMS parts ({plan.encoding.value}); the limit is "
            f"{max_parts}",
            413,
        )
    key = _key(idempotency_key)
    when = _moment(send_at, "send_at") if send_at is not None else None
    expires = None
    if validity is not None:
        if isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0:
            raise ValidationError(
                "invalid_validity", "validity must be a positive number of seconds"
            )
        expires = (when or now) + timedelta(seconds=validity)
    return OutboundRequest(phone, body, str(kind), plan, key, when, expires)


def _phone(value: object, region: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("invalid_number", "to must be a phone number string")
    try:
        return normalize(value, region)
    except InvalidNumber as exc:
        raise ValidationError("invalid_number", str(exc)) from None


def check_text(value: object) -> str:
    """The text itself is sendable: a non-empty string with no control characters."""
    if not isinstance(value, str):
        raise ValidationError("invalid_text", "text must be a string")
    if not value.strip():
        raise ValidationError("empty_text", "text is empty")
    bad = _CONTROL.search(value)
    if bad:
        raise ValidationError(
            "control_character",
            f"text contains control character U+{ord(bad.group()):04X} at position {bad.start()}",
        )
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValidationError("invalid_text", "text contains a lone UTF-16 surrogate")
    return value


def _key(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_LENGTH:
        raise ValidationError(
            "invalid_idempotency_key", f"idempotency_key must be 1-{MAX_KEY_LENGTH} characters"
        )
    return value


def _moment(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(f"invalid_{field}", f"{field} must be an ISO-8601 time")
    try:
        return from_iso(value)
    except ValueError:
        raise ValidationError(f"invalid_{field}", f"{field} is not an ISO-8601 time") from None
