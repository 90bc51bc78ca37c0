"""Address fields (23.040 9.1.2.5) and the SMSC field (24.011): semi-octets and alphanumeric."""

from __future__ import annotations

import re

from .errors import PduError
from .gsm7 import decode_septets, encode_septets, is_gsm7, pack_septets, unpack_septets
from .reader import Reader

__all__ = [
    "TOA_ALPHANUMERIC",
    "TOA_INTERNATIONAL",
    "TOA_UNKNOWN",
    "decode_address",
    "decode_smsc",
    "encode_address",
    "encode_smsc",
    "validate_number",
]

TOA_INTERNATIONAL = 0x91  # TON international, ISDN numbering plan
TOA_UNKNOWN = 0x81  # TON unknown, ISDN numbering plan
TOA_ALPHANUMERIC = 0xD0  # TON alphanumeric (GSM-7 packed)

_NUMBER = re.compile(r"\+?[0-9]{1,20}", re.ASCII)
_SEMI_OCTET_DIGITS = "0123456789*#abc"  # nibble values 0..14; 15 (F) is the filler
_TON_NAMES = {1: "international", 2: "national", 5: "alphanumeric"}
_MAX_ALPHANUMERIC_SEPTETS = 11


def validate_number(number: str, what: str = "destination") -> str:
    """Check a phone number: "+" then 1-20 digits (international) or 1-20 digits.

    Returns:
        The number unchanged.

    Raises:
        PduError: anything else (spaces, letters, empty, too long).
    """
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise PduError(f"invalid {what} {number!r}: expected '+' and 1-20 digits, or 1-20 digits")
    return number


def _semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _decode_semi_octets(data: bytes, count: int) -> str:
    out: list[str] = []
    for octet in data:
        for nibble in (octet & 0x0F, octet >> 4):
            if len(out) < count and nibble != 0x0F:
                out.append(_SEMI_OCTET_DIGITS[nibble])
    return "".join(out)


def encode_address(address: str, *, allow_alphanumeric: bool = False) -> bytes:
    """Encode a TP address field: length in digits (semi-octets), type of address, digits.

    Args:
        address: "+digits" (TOA 0x91), digits (TOA 0x81) or, when allowed, an alphanumeric
            sender of up to 11 GSM-7 septets not starting with "+" (TOA 0xD0).
        allow_alphanumeric: accept alphanumeric addresses (SMS-DELIVER senders).

    Raises:
        PduError: invalid address.
    """
    # "+..." is always meant as a number: a typo there must not become an alphanumeric sender.
    alphanumeric = isinstance(address, str) and not address.startswith("+")
    if allow_alphanumeric and alphanumeric and not _NUMBER.fullmatch(address):
        return _encode_alphanumeric(address)
    validate_number(address, "sender" if allow_alphanumeric else "destination")
    if address.startswith("+"):
        digits, toa = address[1:], TOA_INTERNATIONAL
    else:
        digits, toa = address, TOA_UNKNOWN
    return bytes([len(digits), toa]) + _semi_octets(digits)


def _encode_alphanumeric(address: str) -> bytes:
    if not address or not is_gsm7(address):
        raise PduError(f"invalid alphanumeric sender {address!r}: must be non-empty GSM-7 text")
    septets = encode_septets(address)
    if len(septets) > _MAX_ALPHANUMERIC_SEPTETS:
        raise PduError(f"alphanumeric sender {address!r} longer than 11 septets")
    packed = pack_septets(septets)
    useful_semi_octets = (len(septets) * 7 + 3) // 4
    return bytes([useful_semi_octets, TOA_ALPHANUMERIC]) + bytes(packed)


def decode_address(reader: Reader, what: str) -> tuple[str, str]:
    """Decode a TP address field at the reader position.

    Returns:
        ``(address, type)`` with type "international" (address gets a "+"), "national",
        "alphanumeric" or "unknown".
    """
    length = reader.octet(f"{what} length")
    toa = reader.octet(f"{what} type")
    data = reader.take((length + 1) // 2, what)
    ton = (toa >> 4) & 0x07
    kind = _TON_NAMES.get(ton, "unknown")
    if ton == 5:
        septets = unpack_septets(data, length * 4 // 7)
        return decode_septets(septets), kind
    digits = _decode_semi_octets(data, length)
    if ton == 1 and digits:
        return "+" + digits, kind
    return digits, kind


def encode_smsc(smsc: str | None) -> bytes:
    """Encode the SMSC field; an empty/None SMSC gives ``00`` (use the SIM's default)."""
    if not smsc:
        return b"\x00"
    validate_number(smsc, "SMSC")
    if smsc.startswith("+"):
        digits, toa = smsc[1:], TOA_INTERNATIONAL
    else:
        digits, toa = smsc, TOA_UNKNOWN
    body = bytes([toa]) + _semi_octets(digits)
    return bytes([len(body)]) + body


def decode_smsc(reader: Reader) -> str | None:
    """Decode the SMSC field (length in octets, including the type octet)."""
    length = reader.octet("SMSC length")
    if length == 0:
        return None
    body = reader.take(length, "SMSC address")
    toa = body[0]
    digits = _decode_semi_octets(body[1:], 2 * (length - 1))
    if (toa >> 4) & 0x07 == 1 and digits:
        return "+" + digits
    return digits or None
