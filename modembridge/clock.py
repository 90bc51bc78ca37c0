"""Time helpers: everything stored is UTC ISO-8601 text; pure code takes `now` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only place that reads the wall clock)."""
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Store form of a moment: UTC ISO-8601 with microseconds, which sorts as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware moment")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """Parse a stored or user-supplied ISO-8601 moment; naive input is taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
