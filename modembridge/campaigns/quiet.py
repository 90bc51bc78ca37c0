"""Quiet hours in the recipient's local time (pure; time is an argument).

Marketing may only go out inside the send window (`[compliance] quiet_hours`, e.g.
08:00-20:00) of the recipient's local time. The zone is the contact's explicit time zone
when it has a valid one, else the zones phonenumbers gives for the number; when it gives
several (a country or area code spanning zones) the message may only go when it is inside
the window in every one of them (the intersection). A number phonenumbers cannot place uses
the bridge's fallback zones (those of the default region).

Windows are computed as UTC intervals per local calendar day with zoneinfo, so daylight
saving changes move them correctly. A window edge that falls in a spring-forward gap is
taken with the pre-transition offset, which only ever makes the window start later.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as pn_timezone

DAY_MINUTES = 24 * 60
# How many days around a moment the window intervals are computed for.
_DAYS_BEFORE, _DAYS_AFTER = 2, 9

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class SendWindow:
    """Minutes after local midnight: marketing may start at `start`, must stop at `end`.

    `end` may be 1440 (midnight); `end < start` is a window across midnight.
    """

    start: int = 8 * 60
    end: int = 20 * 60

    def __post_init__(self) -> None:
        """Reject windows that cannot be planned."""
        if not (0 <= self.start < DAY_MINUTES and 0 < self.end <= DAY_MINUTES):
            raise ValueError(f"send window {self.start}-{self.end} is out of range")
        if self.start == self.end:
            raise ValueError("send window is empty")


def valid_zone(name: str | None) -> str | None:
    """`name` when it is a known IANA time zone, else None."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def number_zones(number: phonenumbers.PhoneNumber) -> tuple[str, ...]:
    """The candidate zones phonenumbers knows for a number (empty when unknown)."""
    zones = pn_timezone.time_zones_for_number(number)
    return tuple(z for z in zones if z != pn_timezone.UNKNOWN_TIMEZONE and valid_zone(z))


def region_zones(region: str) -> tuple[str, ...]:
    """Zones for the bridge's default region: those of its example mobile number.

    Single-zone countries get their zone; for the US this is America/New_York.
    """
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    zones = number_zones(example) if example is not None else ()
    return zones or ("UTC",)


def recipient_zones(
    contact_zone: str | None, number: phonenumbers.PhoneNumber | None, fallback: tuple[str, ...]
) -> tuple[str, ...]:
    """The zones whose windows apply to a recipient (explicit zone > number > fallback)."""
    explicit = valid_zone(contact_zone)
    if explicit:
        return (explicit,)
    zones = number_zones(number) if number is not None else ()
    return zones or fallback


def next_window(zones: tuple[str, ...], window: SendWindow, moment: datetime) -> Interval:
    """The first allowed span at or after `moment`: (start >= moment, end).

    When the zones' windows never overlap (zones more than a day apart minus the window),
    the first zone alone decides, so the message is deferred, never dropped.
    """
    at = moment.astimezone(UTC)
    zones = zones or ("UTC",)
    for candidates in (zones, zones[:1]):
        intervals = _intervals(tuple(sorted(set(candidates))), window, at.date())
        ends = [end for _start, end in intervals]
        index = bisect.bisect_right(ends, at)
        if index < len(intervals):
            start, end = intervals[index]
            return max(start, at), end
    raise AssertionError("a single zone always has a window within the horizon")


def next_allowed(zones: tuple[str, ...], window: SendWindow, moment: datetime) -> datetime:
    """The earliest moment at or after `moment` inside the window in every zone."""
    return next_window(zones, window, moment)[0]


@lru_cache(maxsize=4096)
def _intervals(zones: tuple[str, ...], window: SendWindow, around: date) -> tuple[Interval, ...]:
    """Allowed UTC intervals (sorted, merged) for the days around `around`."""
    result: list[Interval] | None = None
    for name in zones:
        spans = _merge(_zone_intervals(ZoneInfo(name), window, around))
        result = spans if result is None else _intersect(result, spans)
    return tuple(result or ())


def _zone_intervals(zone: ZoneInfo, window: SendWindow, around: date) -> list[Interval]:
    spans = []
    for offset in range(-_DAYS_BEFORE, _DAYS_AFTER + 1):
        day = around + timedelta(days=offset)
        end_day = day if window.start < window.end else day + timedelta(days=1)
        spans.append((_local(day, window.start, zone), _local(end_day, window.end, zone)))
    return spans


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute == DAY_MINUTES:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _merge(spans: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
