"""Schedules (cron with an explicit zone, DST, weekday numbering), waits, throttle and ETA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.campaigns.quiet import SendWindow
from modembridge.campaigns.schedule import (
    cron_weekdays,
    parse_duration,
    parse_schedule,
)
from modembridge.campaigns.throttle import Throttle, ThrottleLimits, ThrottleState, estimate
from modembridge.validation import ValidationError

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
NY = ("America/New_York",)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("MON", "mon"),
        ("1", "mon"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("sat,sun", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("5-7", "sun,fri,sat"),
        ("*", "*"),
    ],
)
def test_cron_weekdays_use_cron_numbering(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


@pytest.mark.parametrize("field", ["8", "fri-mon", "funday", "1/x", "1-"])
def test_bad_weekdays_are_refused(field: str) -> None:
    with pytest.raises(ValidationError):
        cron_weekdays(field)


def test_weekly_cron_in_paris_follows_the_march_dst_change() -> None:
    schedule = parse_schedule({"cron": "0 10 * * MON", "timezone": "Europe/Paris"}, NOW)
    first = schedule.first_run(NOW)
    assert first == utc(2026, 3, 23, 9, 0)  # 10:00 CET
    assert schedule.next_after(first) == utc(2026, 3, 30, 8, 0)  # 10:00 CEST
    numeric = parse_schedule({"cron": "0 10 * * 1", "timezone": "Europe/Paris"}, NOW)
    assert numeric.first_run(NOW) == first  # 1 is Monday, as in cron (not APScheduler's 0)
    assert schedule.to_json() == {"cron": "0 10 * * MON", "timezone": "Europe/Paris"}


def test_daily_cron_in_new_york_across_the_november_change() -> None:
    schedule = parse_schedule({"cron": "30 9 * * *", "timezone": "America/New_York"}, NOW)
    assert schedule.next_after(utc(2026, 10, 31, 14, 0)) == utc(2026, 11, 1, 14, 30)  # EST
    assert schedule.next_after(utc(2026, 10, 30, 14, 0)) == utc(2026, 10, 31, 13, 30)  # EDT


def test_once_schedule() -> None:
    schedule = parse_schedule({"at": "2026-03-21T09:00:00+01:00"}, NOW)
    assert schedule.first_run(NOW) == utc(2026, 3, 21, 8, 0)
    assert schedule.next_after(utc(2026, 3, 21, 8, 0)) is None
    assert not schedule.recurring


@pytest.mark.parametrize(
    "value",
    [
        {"cron": "0 10 * * MON"},
        {"cron": "0 10 * * MON", "timezone": "Mars/Olympus"},
        {"cron": "0 25 * * *", "timezone": "UTC"},
        {"cron": "0 10 * *", "timezone": "UTC"},
        {"at": "yesterday"},
        {"at": "2026-03-19T12:00:00Z"},
        {"at": "2026-03-21T12:00:00Z", "cron": "* * * * *"},
        "tomorrow",
        None,
    ],
)
def test_bad_schedules_are_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        parse_schedule(value, NOW)


def test_wait_durations() -> None:
    assert parse_duration("2s") == timedelta(seconds=2)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration(" 1h ") == timedelta(hours=1)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("0s", "1w", "h", "400d", 5, None, "1.5h"):
        with pytest.raises(ValidationError):
            parse_duration(bad)


def test_throttle_spaces_sends_and_keeps_the_daily_budget() -> None:
    limits = ThrottleLimits(6.0, 3, SendWindow(8 * 60, 20 * 60), NY)
    throttle = Throttle(limits, ThrottleState(utc(2026, 6, 15, 14, 0)))  # 10:00 in New York
    slots = [throttle.take(1) for _ in range(4)]
    assert slots[:3] == [utc(2026, 6, 15, 14, 0, 0), utc(2026, 6, 15, 14, 0, 10),
                         utc(2026, 6, 15, 14, 0, 20)]  # fmt: skip
    assert slots[3] == utc(2026, 6, 16, 12, 0)  # budget spent: 08:00 the next day


def test_throttle_starts_in_the_window_of_the_bridge_zone() -> None:
    limits = ThrottleLimits(6.0, 400, SendWindow(8 * 60, 20 * 60), NY)
    throttle = Throttle(limits, ThrottleState(utc(2026, 6, 16, 2, 0)))  # 22:00 in New York
    assert throttle.take(2) == utc(2026, 6, 16, 12, 0)
    assert throttle.take(1) == utc(2026, 6, 16, 12, 0, 20)


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 200),
    parts=st.integers(1, 3),
    per_minute=st.floats(0.5, 30),
    per_day=st.integers(1, 150),
    start_minute=st.integers(0, 23 * 60),
    length=st.integers(1, 24 * 60),
    hours=st.integers(0, 24 * 14),
)
def test_bulk_slots_equal_one_by_one(
    count: int, parts: int, per_minute: float, per_day: int, start_minute: int, length: int,
    hours: int,
) -> None:  # fmt: skip
    end = min(start_minute + length, 24 * 60)
    window = SendWindow(start_minute, end if end != start_minute else end + 1)
    limits = ThrottleLimits(per_minute, per_day, window, NY)
    start = utc(2026, 10, 25) + timedelta(hours=hours)  # spans the November DST change
    one = Throttle(limits, ThrottleState(start))
    last = [one.take(parts) for _ in range(count)][-1]
    bulk = Throttle(limits, ThrottleState(start))
    assert bulk.take_many(count, parts) == last
    assert bulk.state == one.state


def test_eta_from_pacing_modems_and_daily_cap() -> None:
    window = SendWindow(0, 24 * 60)
    two_modems = ThrottleLimits.from_modems(((6, 400), (6, 400)), 80, window, ("UTC",))
    assert two_modems.parts_per_minute == pytest.approx(9.6)
    assert two_modems.parts_per_day == 640
    small = estimate(two_modems, utc(2026, 6, 15), 96, 1)
    assert small.finish == utc(2026, 6, 15, 0, 10)  # 96 parts at 9.6 a minute
    big = estimate(two_modems, utc(2026, 6, 15), 100_000, 2)  # 200,000 parts, 640 a day
    assert big.finish is not None
    assert 312 <= (big.finish - big.start).days <= 313
    assert big.to_json()["parts_total"] == 200_000
    assert estimate(two_modems, utc(2026, 6, 15), 0, 1).finish is None
