"""UCS-2 as phones really send it: UTF-16-BE, with surrogate pairs for characters above U+FFFF."""

from __future__ import annotations

import re

__all__ = ["decode_ucs2", "encode_ucs2", "has_lone_surrogate", "utf16_cost", "utf16_units"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def utf16_cost(ch: str) -> int:
    """UTF-16 code units taken by one code point (2 for emoji and other astral characters)."""
    return 2 if ord(ch) > 0xFFFF else 1


def utf16_units(text: str) -> int:
    """UTF-16 code units of a text."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-be", "surrogatepass")) // 2


def has_lone_surrogate(text: str) -> bool:
    """Tell whether ``text`` holds an unpaired surrogate code point (cannot be sent)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def encode_ucs2(text: str) -> bytes:
    """Encode text as UTF-16-BE (no BOM).

    Raises:
        UnicodeEncodeError: the text holds a lone surrogate (callers reject that earlier).
    """
    return text.encode("utf-16-be")


def decode_ucs2(data: bytes) -> str:
    """Decode UTF-16-BE, recombining surrogate pairs.

    Lone surrogates and a trailing odd octet become U+FFFD so that the result is always valid
    Unicode (a lone surrogate cannot be stored as UTF-8).
    """
    return data.decode("utf-16-be", errors="replace")
