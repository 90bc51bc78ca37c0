"""Redaction for the wire log: keep the AT conversation, hide numbers, PINs and message text."""

from __future__ import annotations

import re

WIRE_LOGGER = "modembridge.wire"

_PIN = re.compile(r'(\+CPIN=)"?[^",\s]*"?', re.IGNORECASE)
_HEX = re.compile(r"\b[0-9A-Fa-f]{16,}\b")  # PDUs (message text and numbers inside)
_NUMBER = re.compile(r"\+?\d{6,}")  # phone numbers, IMEI, IMSI, ICCID
_QUOTED_NUMBER = re.compile(r'"\+?[\d*#]{3,}"')  # "+15551234567" in +CSCA/+CLIP/+CUSD


def redact(line: str) -> str:
    """Return ``line`` with PINs, PDUs and phone-number-like digit runs masked."""
    line = _PIN.sub(r'\1"****"', line)
    line = _HEX.sub(lambda m: f"<hex {len(m.group(0)) // 2} octets>", line)
    line = _QUOTED_NUMBER.sub('"<number>"', line)
    return _NUMBER.sub("<number>", line)
