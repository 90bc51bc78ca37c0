"""Send pacing per modem, counted in SMS parts (pure: time is an argument).

Two limits (FIELD-NOTES 5): a steady rate (`parts_per_minute`, so a SIM looks like a person,
not a bulk sender) and a daily cap (`parts_per_day`, calendar day in the bridge's local zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo


@dataclass(frozen=True)
class PacingDecision:
    """May the modem send `parts` parts now, and if not, when to ask again."""

    allowed: bool
    retry_at: datetime | None
    reason: str | None


class Pacer:
    """Remembers when the last parts went out and how many went out today."""

    def __init__(self, parts_per_minute: float, parts_per_day: int, zone: tzinfo) -> None:
        """Limits for one modem; `zone` decides where a calendar day starts."""
        self.spacing = timedelta(seconds=60.0 / parts_per_minute)
        self.parts_per_day = parts_per_day
        self.zone = zone
        self._next_free: datetime | None = None
        self._day: str = ""
        self._sent_today = 0

    def restore(self, sent_today: int, last_sent_at: datetime | None, now: datetime) -> None:
        """Resume after a restart from what the store says was sent."""
        self._day = self._day_of(now)
        self._sent_today = sent_today
        self._next_free = last_sent_at + self.spacing if last_sent_at else None

    def check(self, parts: int, now: datetime) -> PacingDecision:
        """Whether `parts` more parts may start now."""
        self._roll_day(now)
        if self._sent_today + parts > self.parts_per_day:
            tomorrow = now.astimezone(self.zone) + timedelta(days=1)
            midnight = tomorrow.replace(hour=0, minute=0, second=0, microsecond=0)
            reason = f"daily cap of {self.parts_per_day} parts reached"
            return PacingDecision(False, midnight, reason)
        if self._next_free is not None and now < self._next_free:
            return PacingDecision(False, self._next_free, "pacing")
        return PacingDecision(True, None, None)

    def record(self, parts: int, now: datetime) -> None:
        """Count `parts` parts that started at `now`."""
        self._roll_day(now)
        self._sent_today += parts
        start = max(now, self._next_free) if self._next_free else now
        self._next_free = start + self.spacing * parts

    @property
    def sent_today(self) -> int:
        """Parts counted in the current calendar day."""
        return self._sent_today

    def _day_of(self, now: datetime) -> str:
        return now.astimezone(self.zone).date().isoformat()

    def _roll_day(self, now: datetime) -> None:
        day = self._day_of(now)
        if day != self._day:
            self._day, self._sent_today = day, 0
