"""Bounds-checked octet reader: every short read becomes a PduError."""

from __future__ import annotations

from .errors import PduError

__all__ = ["Reader"]


class Reader:
    """Reads a PDU front to back; running past the end raises :class:`PduError`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def remaining(self) -> int:
        """Octets not read yet."""
        return len(self.data) - self.pos

    def octet(self, what: str) -> int:
        """Read one octet; ``what`` names the field for the error message."""
        if self.pos >= len(self.data):
            raise PduError(f"PDU truncated: missing {what} at octet {self.pos}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, count: int, what: str) -> bytes:
        """Read ``count`` octets."""
        if count < 0 or self.pos + count > len(self.data):
            raise PduError(
                f"PDU truncated: {what} needs {count} octets at octet {self.pos}, "
                f"only {self.remaining} left"
            )
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def rest(self) -> bytes:
        """Read everything that is left."""
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk
