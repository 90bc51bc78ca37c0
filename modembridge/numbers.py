"""Phone numbers: normalise what people type into E.164 with phonenumbers.

Short codes and alphanumeric senders are real SMS addresses too, but only for inbound: we
never send to them, and auto-replies to them are suppressed (they are usually machines).
"""

from __future__ import annotations

import re

import phonenumbers

_ALPHANUMERIC = re.compile(r"[A-Za-z]")
_SHORT_CODE = re.compile(r"^\d{3,8}$")


class InvalidNumber(ValueError):
    """A number that cannot be a recipient; the message says why."""


def normalize(raw: str, default_region: str) -> str:
    """Return `raw` as E.164 (`+15551234567`).

    Args:
        raw: what a person or a CSV typed: "+1 555 123 4567", "(555) 123-4567", "0044 20 ...".
        default_region: two-letter region for numbers written without a country code.

    Raises:
        InvalidNumber: not a possible phone number for any region.
    """
    text = raw.strip()
    if not text:
        raise InvalidNumber("phone number is empty")
    if len(text) > 32 or any(ord(c) < 32 for c in text):
        raise InvalidNumber("phone number is too long or contains control characters")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"{raw!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumber(f"{raw!r} is not a possible phone number")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def is_machine_sender(sender: str) -> bool:
    """True for alphanumeric senders and short codes (banks, operators, other bots)."""
    bare = sender.lstrip("+")
    return bool(_ALPHANUMERIC.search(sender)) or bool(_SHORT_CODE.match(bare))
