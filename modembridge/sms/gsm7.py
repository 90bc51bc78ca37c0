"""GSM 7-bit default alphabet (23.038 6.2.1), its extension table, and septet packing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "BASIC_TABLE",
    "ESC",
    "EXTENSION_TABLE",
    "decode_septets",
    "encode_septets",
    "gsm7_cost",
    "is_gsm7",
    "non_gsm7_chars",
    "pack_septets",
    "septets_needed",
    "unpack_septets",
]

ESC = 0x1B

# Index = septet value. 0x1B is the escape to the extension table (decoded as a space when
# nothing valid follows, as 23.038 suggests for unknown escapes).
BASIC_TABLE: str = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(BASIC_TABLE) == 128

EXTENSION_TABLE: dict[str, int] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

_BASIC_CODE: dict[str, int] = {ch: i for i, ch in enumerate(BASIC_TABLE) if i != ESC}
_EXT_CHAR: dict[int, str] = {code: ch for ch, code in EXTENSION_TABLE.items()}
# Septets per character; characters missing from the dict are not GSM-7.
_COST: dict[str, int] = {**dict.fromkeys(_BASIC_CODE, 1), **dict.fromkeys(EXTENSION_TABLE, 2)}
_GSM7_CHARS = frozenset(_COST)


def is_gsm7(text: str) -> bool:
    """Tell whether ``text`` can be sent in the GSM 7-bit default alphabet (+ extension table).

    Args:
        text: any text.

    Returns:
        True when every character is in the basic or extension table.
    """
    return _GSM7_CHARS.issuperset(text)


def non_gsm7_chars(text: str) -> tuple[str, ...]:
    """Distinct characters of ``text`` that are not GSM-7, in order of first appearance."""
    return tuple(dict.fromkeys(ch for ch in text if ch not in _GSM7_CHARS))


def gsm7_cost(ch: str) -> int:
    """Septets taken by one GSM-7 character (2 for extension-table characters).

    Raises:
        KeyError: the character is not GSM-7.
    """
    return _COST[ch]


def septets_needed(text: str) -> int:
    """Septets needed for a GSM-7 text (extension characters count 2).

    Raises:
        KeyError: the text is not GSM-7.
    """
    if not is_gsm7(text):
        raise KeyError(f"not GSM-7: {non_gsm7_chars(text)!r}")
    return len(text) + sum(text.count(ch) for ch in EXTENSION_TABLE)


def encode_septets(text: str) -> list[int]:
    """Map a GSM-7 text to septet values (ESC + code for extension characters).

    Raises:
        KeyError: a character is not GSM-7 (callers check with :func:`is_gsm7` first).
    """
    out: list[int] = []
    basic = _BASIC_CODE
    for ch in text:
        code = basic.get(ch)
        if code is None:
            out.append(ESC)
            out.append(EXTENSION_TABLE[ch])
        else:
            out.append(code)
    return out


def decode_septets(septets: Iterable[int]) -> str:
    """Map septet values back to text.

    An escape followed by a code missing from the extension table decodes as the basic-table
    character for that code (23.038 6.2.1.1); a trailing lone escape is dropped.
    """
    out: list[str] = []
    escaped = False
    for value in septets:
        value &= 0x7F
        if escaped:
            escaped = False
            ext = _EXT_CHAR.get(value)
            if ext is not None:
                out.append(ext)
            else:
                out.append(" " if value == ESC else BASIC_TABLE[value])
        elif value == ESC:
            escaped = True
        else:
            out.append(BASIC_TABLE[value])
    return "".join(out)


def pack_septets(septets: Sequence[int], *, skip_septets: int = 0) -> bytearray:
    """Pack septets LSB-first into octets (23.038 6.1.2.1.1).

    Args:
        septets: values 0..127.
        skip_septets: number of zero septets to place first (room for a UDH plus fill bits).

    Returns:
        ceil((skip_septets + len(septets)) * 7 / 8) octets.
    """
    out = bytearray()
    acc = 0
    nbits = skip_septets * 7
    # The skipped septets are zero bits: emit whole zero octets and keep the remainder.
    out.extend(bytes(nbits // 8))
    nbits %= 8
    for value in septets:
        acc |= (value & 0x7F) << nbits
        nbits += 7
        if nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return out


def unpack_septets(data: bytes | bytearray, count: int) -> list[int]:
    """Unpack ``count`` septets from packed octets (caller checks that ``data`` is long enough)."""
    out: list[int] = []
    acc = 0
    nbits = 0
    it = iter(data)
    while len(out) < count:
        if nbits < 7:
            acc |= next(it, 0) << nbits
            nbits += 8
        out.append(acc & 0x7F)
        acc >>= 7
        nbits -= 7
    return out
