"""User data: the concatenation UDH, GSM-7 fill bits, UDL rules and the data coding scheme."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PduError, TextError
from .gsm7 import decode_septets, encode_septets, is_gsm7, pack_septets, unpack_septets
from .models import ConcatInfo, Encoding
from .segments import capacity, text_units
from .ucs2 import decode_ucs2, encode_ucs2, has_lone_surrogate

__all__ = [
    "DataCoding",
    "DecodedUserData",
    "build_concat_udh",
    "check_concat",
    "decode_dcs",
    "decode_user_data",
    "encode_dcs",
    "encode_user_data",
]

IEI_CONCAT_8 = 0x00
IEI_CONCAT_16 = 0x08


@dataclass(frozen=True)
class DataCoding:
    """What a TP-DCS octet means for us."""

    alphabet: str  # "gsm7" | "ucs2" | "8bit"
    message_class: int | None  # 0 = flash


def encode_dcs(encoding: Encoding, *, flash: bool) -> int:
    """TP-DCS: 0x00 GSM-7 / 0x08 UCS-2; flash sets message class 0 (0x10 / 0x18)."""
    dcs = 0x00 if encoding is Encoding.GSM7 else 0x08
    return dcs | 0x10 if flash else dcs


def decode_dcs(dcs: int) -> DataCoding:
    """Interpret TP-DCS per 23.038 section 4 (all coding groups).

    Compressed text is reported as 8-bit data (we cannot decompress it); reserved alphabets
    and reserved groups fall back to GSM-7 as 23.038 asks.
    """
    group = dcs >> 4
    if group <= 0x7:  # 00xx / 01xx: general data coding (01xx = automatic deletion)
        klass = dcs & 0x03 if dcs & 0x10 else None
        if dcs & 0x20:
            return DataCoding("8bit", klass)
        alphabet = ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03]
        return DataCoding(alphabet, klass)
    if group == 0xE:  # message waiting indication, store, UCS-2
        return DataCoding("ucs2", None)
    if group == 0xF:  # data coding / message class
        return DataCoding("8bit" if dcs & 0x04 else "gsm7", dcs & 0x03)
    return DataCoding("gsm7", None)  # 1000-1011 reserved, 1100/1101 MWI with GSM-7


def check_concat(concat: ConcatInfo) -> None:
    """Validate a ConcatInfo for encoding.

    Raises:
        PduError: bits not 8/16, reference out of range, total or sequence out of 1..255.
    """
    if concat.bits not in (8, 16):
        raise PduError(f"concat bits must be 8 or 16, got {concat.bits!r}")
    limit = 0xFF if concat.bits == 8 else 0xFFFF
    if not 0 <= concat.reference <= limit:
        raise PduError(f"concat reference {concat.reference} outside 0..{limit}")
    if not 1 <= concat.total <= 255:
        raise PduError(f"concat total {concat.total} outside 1..255")
    if not 1 <= concat.sequence <= concat.total:
        raise PduError(f"concat sequence {concat.sequence} outside 1..{concat.total}")


def build_concat_udh(concat: ConcatInfo) -> bytes:
    """UDH (with its length octet) holding one concatenation IE."""
    check_concat(concat)
    if concat.bits == 8:
        ie = bytes([IEI_CONCAT_8, 3, concat.reference, concat.total, concat.sequence])
    else:
        ref = concat.reference
        ie = bytes([IEI_CONCAT_16, 4, ref >> 8, ref & 0xFF, concat.total, concat.sequence])
    return bytes([len(ie)]) + ie


def encode_user_data(text: str, encoding: Encoding, concat: ConcatInfo | None) -> tuple[int, bytes]:
    """Encode one part's text (with the concat UDH when given).

    Returns:
        ``(TP-UDL, user data octets)``; UDL counts septets (UDH included) for GSM-7, octets
        for UCS-2.

    Raises:
        TextError: empty text, a character outside the alphabet, or more than fits one part.
    """
    if not text:
        raise TextError("empty text: nothing to send")
    if encoding is Encoding.GSM7 and not is_gsm7(text):
        raise TextError("text is not GSM-7; use UCS-2")
    if has_lone_surrogate(text):
        raise TextError("text contains an unpaired UTF-16 surrogate and cannot be encoded")
    wide = concat is not None and concat.bits == 16
    room = capacity(encoding, concat=concat is not None, concat_16bit=wide)
    units = text_units(text, encoding)
    if units > room:
        raise TextError(f"part too long: {units} units, at most {room} fit")
    udh = build_concat_udh(concat) if concat else b""
    if encoding is Encoding.UCS2:
        data = udh + encode_ucs2(text)
        return len(data), data
    header_septets = (len(udh) * 8 + 6) // 7  # UDH plus fill bits up to a septet boundary
    septets = encode_septets(text)
    packed = pack_septets(septets, skip_septets=header_septets)
    packed[: len(udh)] = udh
    return header_septets + len(septets), bytes(packed)


@dataclass(frozen=True)
class DecodedUserData:
    """Text and concatenation info found in TP-UD."""

    text: str
    encoding: Encoding | str
    concat: ConcatInfo | None
    ucs2_data: bytes | None


def _parse_udh(udh: bytes) -> ConcatInfo | None:
    """Walk the information elements; return the concatenation IE if present and valid."""
    concat: ConcatInfo | None = None
    pos = 0
    while pos < len(udh):
        if pos + 2 > len(udh):
            raise PduError("bad UDH: information element header runs past the UDH")
        iei, length = udh[pos], udh[pos + 1]
        body = udh[pos + 2 : pos + 2 + length]
        if len(body) != length:
            raise PduError(f"bad UDH: element {iei:02X} length {length} runs past the UDH")
        pos += 2 + length
        if iei in (IEI_CONCAT_8, IEI_CONCAT_16):
            concat = _parse_concat(iei, body)
    return concat


def _parse_concat(iei: int, body: bytes) -> ConcatInfo | None:
    if iei == IEI_CONCAT_8:
        if len(body) != 3:
            raise PduError(f"bad UDH: 8-bit concatenation element has length {len(body)}, not 3")
        reference, total, sequence, bits = body[0], body[1], body[2], 8
    else:
        if len(body) != 4:
            raise PduError(f"bad UDH: 16-bit concatenation element has length {len(body)}, not 4")
        reference, total, sequence, bits = body[0] << 8 | body[1], body[2], body[3], 16
    # 23.040 9.2.3.24.1: a zero total, or a sequence of zero / past the total -> ignore the IE.
    if total == 0 or not 1 <= sequence <= total:
        return None
    return ConcatInfo(reference=reference, total=total, sequence=sequence, bits=bits)


def decode_user_data(ud: bytes, udl: int, alphabet: str, udhi: bool) -> DecodedUserData:
    """Decode TP-UD.

    Args:
        ud: every octet after TP-UDL (trailing extra octets are ignored).
        udl: TP-UDL (septets for GSM-7, octets otherwise).
        alphabet: "gsm7", "ucs2" or "8bit".
        udhi: TP-UDHI is set.

    Raises:
        PduError: UDL beyond the data, bad UDH lengths.
    """
    needed = (udl * 7 + 7) // 8 if alphabet == "gsm7" else udl
    if needed > len(ud):
        raise PduError(f"user data truncated: UDL {udl} needs {needed} octets, have {len(ud)}")
    ud = ud[:needed]
    concat: ConcatInfo | None = None
    header_len = 0
    if udhi:
        if not ud:
            raise PduError("bad UDH: UDHI set but the user data is empty")
        header_len = ud[0] + 1
        if header_len > len(ud):
            raise PduError(f"bad UDH: UDH length {ud[0]} exceeds the user data ({len(ud)} octets)")
        concat = _parse_udh(ud[1:header_len])
    if alphabet == "gsm7":
        header_septets = (header_len * 8 + 6) // 7
        if header_septets > udl:
            raise PduError(f"bad UDH: UDH takes {header_septets} septets but UDL is {udl}")
        septets = unpack_septets(ud, udl)[header_septets:]
        return DecodedUserData(decode_septets(septets), Encoding.GSM7, concat, None)
    payload = ud[header_len:]
    if alphabet == "ucs2":
        return DecodedUserData(decode_ucs2(payload), Encoding.UCS2, concat, payload)
    return DecodedUserData(payload.hex().upper(), "8bit", concat, None)
