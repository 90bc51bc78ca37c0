"""Campaign schedules and flow wait durations (pure; time is an argument).

A schedule is once (`{"at": ISO}`) or recurring (`{"cron": "0 10 * * MON", "timezone":
"Europe/Paris"}`, a zone is required so "10:00" never silently means the server's zone).
Cron times are computed by APScheduler 3's CronTrigger in that zone (daylight saving
included). APScheduler 3 numbers weekdays from Monday = 0 where cron has Sunday = 0, so the
day-of-week field is translated to names first ("1-5" becomes "mon,tue,wed,thu,fri").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from modembridge.campaigns.quiet import valid_zone
from modembridge.clock import from_iso, to_iso
from modembridge.validation import ValidationError

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_VALUE = {**{name: i for i, name in enumerate(DAY_NAMES)}, **{str(i): i % 7 for i in range(8)}}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_WAIT = timedelta(days=365)
# An `at` slightly in the past (clock skew, "send now") is accepted and runs at once.
PAST_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Schedule:
    """When a campaign runs: `at` once, or `cron` in `timezone`."""

    at: datetime | None = None
    cron: str | None = None
    timezone: str | None = None

    @property
    def recurring(self) -> bool:
        """True for cron schedules."""
        return self.cron is not None

    def first_run(self, now: datetime) -> datetime | None:
        """The first run time: `at` itself, or the first cron time after `now`."""
        return self.at if self.at is not None else self.next_after(now)

    def next_after(self, moment: datetime) -> datetime | None:
        """The next run strictly after `moment` (None: a once schedule has no more runs)."""
        if self.cron is None or self.timezone is None:
            return None
        trigger = cron_trigger(self.cron, self.timezone)
        # CronTrigger rounds up to whole seconds; one microsecond makes "after" strict.
        fire = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
        return fire.astimezone(UTC) if fire is not None else None

    def to_json(self) -> dict[str, str]:
        """The API and stored form."""
        if self.at is not None:
            return {"at": to_iso(self.at)}
        return {"cron": self.cron or "", "timezone": self.timezone or ""}


def parse_schedule(value: object, now: datetime) -> Schedule:
    """Validate a schedule object from the API.

    Raises:
        ValidationError: not one of the two forms, a bad time, cron or zone.
    """
    if not isinstance(value, dict):
        raise ValidationError("invalid_schedule", 'schedule must be {"at": ISO} or {"cron", ...}')
    if set(value) == {"at"}:
        return Schedule(at=_parse_at(value["at"], now))
    if set(value) == {"cron", "timezone"}:
        cron, zone = value["cron"], value["timezone"]
        if not isinstance(zone, str) or not valid_zone(zone):
            raise ValidationError("invalid_timezone", f"unknown time zone {zone!r}")
        if not isinstance(cron, str):
            raise ValidationError("invalid_cron", "cron must be a string")
        cron_trigger(cron, zone)  # raises on a bad expression
        return Schedule(cron=" ".join(cron.split()), timezone=zone)
    if "cron" in value and "timezone" not in value:
        raise ValidationError("invalid_schedule", "a cron schedule needs an explicit timezone")
    raise ValidationError(
        "invalid_schedule", 'schedule must be {"at": ISO} or {"cron": "...", "timezone": "..."}'
    )


def schedule_from_json(data: dict[str, Any]) -> Schedule:
    """Read a stored schedule (already validated)."""
    if "at" in data:
        return Schedule(at=from_iso(data["at"]))
    return Schedule(cron=data["cron"], timezone=data["timezone"])


def cron_trigger(expression: str, zone: str) -> CronTrigger:
    """A CronTrigger for a standard 5-field crontab line in `zone`.

    Raises:
        ValidationError: the expression is not valid.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValidationError(
            "invalid_cron", "cron needs 5 fields: minute hour day-of-month month day-of-week"
        )
    minute, hour, day, month, dow = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_weekdays(dow),
            timezone=ZoneInfo(zone),
        )
    except ValueError as exc:
        raise ValidationError("invalid_cron", f"invalid cron {expression!r}: {exc}") from None


def cron_weekdays(field: str) -> str:
    """Translate a cron day-of-week field (Sunday = 0 or 7, names) into day names.

    Raises:
        ValidationError: an unknown day or a malformed term.
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for term in field.lower().split(","):
        days.update(_weekday_term(term))
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _weekday_term(term: str) -> set[int]:
    span, _, step_text = term.partition("/")
    step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
    if step_text and step is None:
        raise ValidationError("invalid_cron", f"bad step in day-of-week {term!r}")
    if span == "*":
        first, last = 0, 6
    else:
        low, dash, high = span.partition("-")
        if low not in _DOW_VALUE or (dash and high not in _DOW_VALUE):
            raise ValidationError("invalid_cron", f"unknown day-of-week {term!r}")
        first = _DOW_VALUE[low]
        last = (7 if high == "7" else _DOW_VALUE[high]) if dash else first
        if last < first:
            raise ValidationError("invalid_cron", f"day-of-week range {term!r} runs backwards")
    return {d % 7 for d in range(first, last + 1, step or 1)}


def parse_duration(value: object) -> timedelta:
    """A flow wait such as "90s", "15m", "1h", "2d".

    Raises:
        ValidationError: not a positive number with an s/m/h/d unit, or over a year.
    """
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError("invalid_wait", f"wait must look like 30s, 15m, 1h or 2d: {value!r}")
    amount = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if amount <= 0 or amount > MAX_WAIT.total_seconds():
        raise ValidationError("invalid_wait", "wait must be more than 0 and at most 365d")
    return timedelta(seconds=amount)


def _parse_at(value: object, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ValidationError("invalid_schedule", "at must be an ISO-8601 time")
    try:
        at = from_iso(value)
    except ValueError:
        raise ValidationError(
            "invalid_schedule", f"at is not an ISO-8601 time: {value!r}"
        ) from None
    if at < now - PAST_SLACK:
        raise ValidationError("invalid_schedule", "at is in the past")
    return at.astimezone(UTC)
