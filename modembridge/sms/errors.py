"""Errors raised by the SMS codec."""

from __future__ import annotations

__all__ = ["PduError", "TextError"]


class PduError(ValueError):
    """A PDU (or a PDU parameter such as an address or reference) is malformed or unsupported.

    The message says what is wrong, e.g. ``"user data truncated: need 10 octets, have 4"``.
    """


class TextError(ValueError):
    """A text cannot be sent (empty, lone surrogates, too many parts, does not fit a part)."""
