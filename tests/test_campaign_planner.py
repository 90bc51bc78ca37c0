"""The pure planner: quiet hours across DST, zone choice, skip reasons, caps, footer, keys."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest

from modembridge.campaigns.planner import (
    AudienceRow,
    Planned,
    PlannerSettings,
    Skipped,
    campaign_key,
    over_cap,
    plan_run,
)
from modembridge.campaigns.quiet import (
    SendWindow,
    next_allowed,
    next_window,
    recipient_zones,
    region_zones,
)
from modembridge.campaigns.templates import FOOTER, parse_template
from modembridge.campaigns.throttle import Throttle, ThrottleLimits, ThrottleState
from modembridge.validation import ValidationError

NY = ("America/New_York",)
WINDOW = SendWindow(8 * 60, 20 * 60)
SETTINGS = PlannerSettings(
    brand="Acme",
    window=WINDOW,
    marketing_per_day=3,
    default_region="US",
    fallback_zones=NY,
    max_parts=3,
)
RUN_AT = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # 10:00 in New York


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def row(phone: str, subscription: str = "subscribed", **extra: object) -> AudienceRow:
    values = {
        "contact_id": int(phone[-4:]) if phone[-4:].isdigit() else 1,
        "phone": phone,
        "subscription": subscription,
        "suppressed": False,
        "timezone": None,
        "fields": {"first_name": "Ana"},
    }
    values.update(extra)
    return AudienceRow(**values)  # type: ignore[arg-type]


def throttle(start: datetime, per_minute: float = 600.0, per_day: int = 10_000) -> Throttle:
    limits = ThrottleLimits(per_minute, per_day, SendWindow(0, 24 * 60), NY)
    return Throttle(limits, ThrottleState(start))


def plan(rows: list[AudienceRow], text: str = "Hi {first_name}, 20% off today") -> list[object]:
    return list(
        plan_run(
            rows,
            campaign_id=7,
            run_at=RUN_AT,
            template=parse_template(text),
            settings=SETTINGS,
            throttle=throttle(RUN_AT),
        )
    )


# -- quiet hours -------------------------------------------------------------------------


def test_new_york_window_moves_with_the_november_dst_change() -> None:
    # 2026-11-01 05:30 UTC is 01:30 EDT, half an hour before clocks go back to EST.
    assert next_allowed(NY, WINDOW, utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 1, 13, 0)
    # The day before, 08:00 EDT is 12:00 UTC.
    assert next_allowed(NY, WINDOW, utc(2026, 10, 31, 1, 0)) == utc(2026, 10, 31, 12, 0)
    # 19:59 EST on the first EST day is still allowed; 20:00 is not.
    assert next_allowed(NY, WINDOW, utc(2026, 11, 2, 0, 59)) == utc(2026, 11, 2, 0, 59)
    assert next_allowed(NY, WINDOW, utc(2026, 11, 2, 1, 0)) == utc(2026, 11, 2, 13, 0)


def test_paris_window_moves_with_the_march_dst_change() -> None:
    paris = ("Europe/Paris",)
    # Saturday 22:00 CET; Sunday 08:00 is already CEST (UTC+2), i.e. 06:00 UTC.
    assert next_allowed(paris, WINDOW, utc(2026, 3, 28, 21, 0)) == utc(2026, 3, 29, 6, 0)
    assert next_allowed(paris, WINDOW, utc(2026, 3, 27, 21, 0)) == utc(2026, 3, 28, 7, 0)


def test_several_zones_use_the_intersection_of_their_windows() -> None:
    coasts = ("America/Los_Angeles", "America/New_York")
    # 10:00 in New York is 07:00 in Los Angeles: wait for 08:00 there (11:00 in New York).
    assert next_window(coasts, WINDOW, utc(2026, 6, 15, 14, 0)) == (
        utc(2026, 6, 15, 15, 0),
        utc(2026, 6, 16, 0, 0),  # 20:00 in New York ends it
    )
    assert next_allowed(coasts, WINDOW, utc(2026, 6, 16, 0, 0)) == utc(2026, 6, 16, 15, 0)


def test_zones_that_never_overlap_fall_back_to_the_first_zone() -> None:
    office = SendWindow(9 * 60, 17 * 60)
    apart = ("America/New_York", "Asia/Shanghai")  # 12 h apart: 8 h windows never meet
    start, end = next_window(apart, office, utc(2026, 6, 15, 12, 0))
    assert (start, end) == (utc(2026, 6, 15, 13, 0), utc(2026, 6, 15, 21, 0))  # New York's


def test_window_across_midnight_and_all_day() -> None:
    night = SendWindow(22 * 60, 6 * 60)
    assert next_allowed(NY, night, utc(2026, 6, 15, 16, 0)) == utc(2026, 6, 16, 2, 0)
    assert next_allowed(NY, night, utc(2026, 6, 16, 3, 0)) == utc(2026, 6, 16, 3, 0)
    always = SendWindow(0, 24 * 60)
    assert next_allowed(NY, always, utc(2026, 6, 16, 5, 0)) == utc(2026, 6, 16, 5, 0)
    with pytest.raises(ValueError):
        SendWindow(600, 600)


def test_explicit_zone_wins_then_number_then_fallback() -> None:
    ny_number = phonenumbers.parse("+12125550101")
    assert recipient_zones("Asia/Tokyo", ny_number, ("UTC",)) == ("Asia/Tokyo",)
    assert recipient_zones("Mars/Olympus", ny_number, ("UTC",)) == NY
    assert recipient_zones(None, phonenumbers.parse("+15551234567"), ("UTC",)) == ("UTC",)
    assert len(recipient_zones(None, phonenumbers.parse("+61412345678"), ("UTC",))) > 1
    assert region_zones("US") == NY and region_zones("FR") == ("Europe/Paris",)


# -- planning ----------------------------------------------------------------------------


def test_subscribed_recipient_gets_brand_footer_key_and_a_slot() -> None:
    (item,) = plan([row("+12125550101")])
    assert isinstance(item, Planned)
    assert item.text == f"Acme: Hi Ana, 20% off today\n{FOOTER}"
    assert item.idempotency_key == campaign_key(7, RUN_AT, "+12125550101")
    assert item.idempotency_key == "campaign:7:2026-06-15T14:00:00.000000+00:00:+12125550101"
    assert item.send_at == RUN_AT and item.segments == 1


def test_footer_counts_in_the_segment_budget() -> None:
    body = "x" * 150  # one part alone; with brand and footer it needs two
    (item,) = plan([row("+12125550101")], body)
    assert isinstance(item, Planned) and item.segments == 2
    (too_long,) = plan([row("+12125550101", fields={"first_name": "y" * 600})], "{first_name}")
    assert isinstance(too_long, Skipped) and too_long.reason == "text_too_long"


@pytest.mark.parametrize(
    ("recipient", "reason"),
    [
        (row("+12125550101", "pending"), "pending"),
        (row("+12125550101", "none"), "not_subscribed"),
        (row("+12125550101", "unsubscribed"), "not_subscribed"),
        (row("+12125550101", suppressed=True), "suppressed"),
        (row("+12125550101", "pending", suppressed=True), "suppressed"),
        (row("12"), "invalid_number"),
        (row("not a number"), "invalid_number"),
        (row("+12125550101", fields={"first_name": "A\x1aB"}), "invalid_text"),
    ],
)
def test_skip_reasons(recipient: AudienceRow, reason: str) -> None:
    (item,) = plan([recipient])
    assert isinstance(item, Skipped) and item.reason == reason


def test_recipients_at_night_are_deferred_to_their_morning() -> None:
    tokyo = row("+81312345678")  # 14:00 UTC is 23:00 in Tokyo
    explicit = row("+12125550101", timezone="Australia/Sydney")  # 00:00 in Sydney
    unknown = row("+15551234567")  # no zone: the default region's (New York, 10:00)
    planned = plan([tokyo, explicit, unknown])
    assert all(isinstance(p, Planned) for p in planned)
    times = [p.send_at for p in planned]  # type: ignore[attr-defined]
    assert times[0] == utc(2026, 6, 15, 23, 0)  # 08:00 JST
    assert times[1] == utc(2026, 6, 15, 22, 0)  # 08:00 AEST
    assert times[2] == RUN_AT + timedelta(seconds=0.2)  # third slot at 600 parts/min


def test_frequency_cap_counts_sent_and_planned_within_24_hours() -> None:
    recent = (RUN_AT - timedelta(hours=2), RUN_AT - timedelta(hours=20))
    later = RUN_AT + timedelta(hours=23)  # another campaign already planned tomorrow
    old = RUN_AT - timedelta(hours=30)
    capped = row("+12125550101", marketing_times=(*recent, later))
    free = row("+12125550102", marketing_times=(*recent, old))
    first, second = plan([capped, free])
    assert isinstance(first, Skipped) and first.reason == "frequency_cap"
    assert isinstance(second, Planned)
    assert over_cap([RUN_AT], RUN_AT + timedelta(hours=24), 1) is False


def test_planner_streams_one_row_at_a_time() -> None:
    def endless() -> Iterator[AudienceRow]:
        for i in itertools.count():
            if i == 3:
                raise AssertionError("read past what was consumed")
            yield row(f"+1212555{i:04d}")

    stream = plan_run(
        endless(),
        campaign_id=1,
        run_at=RUN_AT,
        template=parse_template("Hi"),
        settings=SETTINGS,
        throttle=throttle(RUN_AT),
    )
    assert len(list(itertools.islice(stream, 3))) == 3


# -- templates ---------------------------------------------------------------------------


def test_template_fields_fallbacks_and_braces() -> None:
    template = parse_template("Hi {first_name|there}! {{code}} {city}")
    assert template.fields == {"first_name", "city"}
    assert template.render({"first_name": "Ana", "city": "Lyon"}) == "Hi Ana! {code} Lyon"
    assert template.render({"first_name": ""}) == "Hi there! {code} "
    for bad in ("Hi {first name}", "Hi }", "{a.b}", "Hi {", "", "\x1b"):
        with pytest.raises(ValidationError):
            parse_template(bad)
