"""Campaign throttling and the ETA (pure; time is an argument).

A run's messages are spaced at a share (`[campaigns] share_percent`, default 80 %) of the
modems' combined rate and their combined daily cap, so a large campaign neither floods the
queue nor uses up a SIM's day: the rest of the day's parts stay free for transactional
traffic (which also always goes first in the outbox claim order). Slots are only planned
inside the send window of the bridge's own zones; per-recipient quiet hours are applied on
top of the slot by the planner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from modembridge.campaigns.quiet import SendWindow, next_window


@dataclass(frozen=True)
class ThrottleLimits:
    """What a campaign run may use of the modems' capacity."""

    parts_per_minute: float
    parts_per_day: int
    window: SendWindow
    zones: tuple[str, ...]

    @classmethod
    def from_modems(
        cls,
        modems: tuple[tuple[int, int], ...],
        share_percent: int,
        window: SendWindow,
        zones: tuple[str, ...],
    ) -> ThrottleLimits:
        """Limits from each modem's (parts_per_minute, parts_per_day) and the share."""
        share = share_percent / 100
        per_minute = sum(m[0] for m in modems) * share or 1.0
        per_day = max(1, int(sum(m[1] for m in modems) * share))
        return cls(per_minute, per_day, window, zones)

    @property
    def spacing(self) -> timedelta:
        """Time one part takes at the throttled rate."""
        return timedelta(seconds=60.0 / self.parts_per_minute)


@dataclass(frozen=True)
class ThrottleState:
    """Where a run's slot clock is: persisted with the run's cursor after every batch."""

    cursor: datetime
    day: str = ""
    day_parts: int = 0

    def to_json(self) -> dict[str, object]:
        """Stored form."""
        return {"cursor": self.cursor.isoformat(), "day": self.day, "day_parts": self.day_parts}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ThrottleState:
        """Read the stored form back."""
        return cls(
            datetime.fromisoformat(str(data["cursor"])),
            str(data.get("day", "")),
            int(str(data.get("day_parts", 0))),
        )

    def shifted(self, delta: timedelta) -> ThrottleState:
        """The same state with the clock moved (after a pause)."""
        return replace(self, cursor=self.cursor + delta)


class Throttle:
    """Hands out send slots for a run, in order."""

    def __init__(self, limits: ThrottleLimits, state: ThrottleState) -> None:
        """Continue from `state` (a fresh run starts with `ThrottleState(now)`)."""
        self.limits = limits
        self.state = state
        self._day_zone = ZoneInfo(limits.zones[0]) if limits.zones else UTC

    def take(self, parts: int) -> datetime:
        """The slot of the next message of `parts` parts."""
        return self.take_many(1, parts)

    def take_many(self, count: int, parts: int) -> datetime:
        """Slots for `count` messages of `parts` parts each; returns the last one.

        Works a window-and-day span at a time, so an ETA for 100,000 messages costs a
        few hundred steps, and gives the same slots as `count` calls of `take`.
        """
        limits, last = self.limits, self.state.cursor
        step = limits.spacing * parts
        while count > 0:
            start, end = next_window(limits.zones, limits.window, self.state.cursor)
            day = self._day_of(start)
            used = self.state.day_parts if day == self.state.day else 0
            next_day = self._next_midnight(start)
            if used and used + parts > limits.parts_per_day:
                self.state = ThrottleState(next_day, day, used)
                continue
            by_budget = max(1, (limits.parts_per_day - used) // parts)
            by_time = max(1, math.ceil((min(end, next_day) - start) / step))
            n = min(count, by_budget, by_time)
            last = start + step * (n - 1)
            self.state = ThrottleState(start + step * n, day, used + n * parts)
            count -= n
        return last

    def _day_of(self, moment: datetime) -> str:
        return moment.astimezone(self._day_zone).date().isoformat()

    def _next_midnight(self, moment: datetime) -> datetime:
        local_day: date = moment.astimezone(self._day_zone).date() + timedelta(days=1)
        return datetime.combine(local_day, time(0), tzinfo=self._day_zone).astimezone(UTC)


@dataclass(frozen=True)
class Estimate:
    """When a campaign would finish, before it is launched."""

    recipients: int
    parts_each: int
    start: datetime
    finish: datetime | None
    parts_per_minute: float
    parts_per_day: int

    def to_json(self) -> dict[str, object]:
        """The API form."""
        return {
            "recipients": self.recipients,
            "parts_each": self.parts_each,
            "parts_total": self.recipients * self.parts_each,
            "start": self.start.astimezone(UTC).isoformat(),
            "finish": self.finish.astimezone(UTC).isoformat() if self.finish else None,
            "duration_seconds": (
                round((self.finish - self.start).total_seconds()) if self.finish else 0
            ),
            "parts_per_minute": round(self.parts_per_minute, 2),
            "parts_per_day": self.parts_per_day,
        }


def estimate(limits: ThrottleLimits, start: datetime, recipients: int, parts: int) -> Estimate:
    """The ETA of `recipients` messages of `parts` parts each starting at `start`.

    The last message's slot plus its own sending time; per-recipient quiet hours in other
    zones than the bridge's can move single messages later.
    """
    if recipients <= 0:
        return Estimate(0, parts, start, None, limits.parts_per_minute, limits.parts_per_day)
    throttle = Throttle(limits, ThrottleState(start))
    last = throttle.take_many(recipients, parts)
    finish = last + limits.spacing * parts
    return Estimate(recipients, parts, start, finish, limits.parts_per_minute, limits.parts_per_day)
