"""Service-centre timestamps (23.040 9.2.3.11) and the relative validity period (9.2.3.12)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .errors import PduError

__all__ = [
    "MAX_VALIDITY_MINUTES",
    "decode_relative_validity",
    "decode_scts",
    "encode_relative_validity",
    "encode_scts",
]

MAX_VALIDITY_MINUTES = 63 * 7 * 24 * 60  # TP-VP 255 = 63 weeks


def _swap(value: int) -> int:
    """Two decimal digits as a swapped semi-octet (23 -> 0x32)."""
    return (value % 10) << 4 | (value // 10)


def encode_scts(moment: datetime) -> bytes:
    """Encode a timezone-aware datetime as a 7-octet SCTS.

    The offset must be a whole number of quarter hours (at most 79); the year 1970-2069
    (two digits on the wire: 70-99 mean 19xx, as POSIX ``%y`` reads them).

    Raises:
        PduError: naive datetime, odd offset or year out of range.
    """
    offset = moment.utcoffset()
    if offset is None:
        raise PduError("timestamp must be timezone-aware")
    quarters, rest = divmod(abs(offset), timedelta(minutes=15))
    if rest or quarters > 79:
        raise PduError(f"timezone offset {offset} is not a whole number of quarter hours")
    if not 1970 <= moment.year <= 2069:
        raise PduError(f"timestamp year {moment.year} outside 1970-2069")
    fields = (moment.year % 100, moment.month, moment.day, moment.hour, moment.minute)
    out = bytearray(_swap(v) for v in (*fields, moment.second))
    tz = _swap(quarters)
    if offset < timedelta(0):
        tz |= 0x08  # sign bit: bit 3 of the first (tens) semi-octet
    out.append(tz)
    return bytes(out)


def _digits(octet: int, what: str) -> int:
    low, high = octet & 0x0F, octet >> 4
    if low > 9 or high > 9:
        raise PduError(f"invalid {what}: semi-octet {octet:02X} is not two decimal digits")
    return low * 10 + high


def decode_scts(data: bytes) -> datetime:
    """Decode a 7-octet SCTS into an aware datetime (two-digit years 70-99 are 19xx).

    Raises:
        PduError: non-decimal digits or an impossible date/time.
    """
    if len(data) != 7:
        raise PduError(f"timestamp needs 7 octets, got {len(data)}")
    year, month, day, hour, minute, second = (_digits(b, "timestamp") for b in data[:6])
    tz_octet = data[6]
    quarters = _digits(tz_octet & 0xF7, "timezone")
    offset = timedelta(minutes=15 * quarters)
    if tz_octet & 0x08:
        offset = -offset
    try:
        century = 1900 if year >= 70 else 2000
        return datetime(century + year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError as exc:
        raise PduError(f"invalid timestamp: {exc}") from None


def encode_relative_validity(minutes: int) -> int:
    """Smallest TP-VP (relative) whose period covers ``minutes``; longer periods give 255.

    Raises:
        PduError: ``minutes`` is not a positive integer.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise PduError(f"validity must be a positive number of minutes, got {minutes!r}")
    if minutes <= 12 * 60:
        return (minutes + 4) // 5 - 1  # 0..143: (VP + 1) * 5 minutes
    if minutes <= 24 * 60:
        return 143 + (minutes - 12 * 60 + 29) // 30  # 144..167: 12 h + (VP - 143) * 30 min
    days = (minutes + 1439) // 1440
    if days <= 30:
        return 166 + days  # 168..196: (VP - 166) days
    weeks = (days + 6) // 7
    return min(192 + weeks, 255)  # 197..255: (VP - 192) weeks


def decode_relative_validity(vp: int) -> int:
    """Minutes of a relative TP-VP octet."""
    if vp <= 143:
        return (vp + 1) * 5
    if vp <= 167:
        return 12 * 60 + (vp - 143) * 30
    if vp <= 196:
        return (vp - 166) * 1440
    return (vp - 192) * 7 * 1440
