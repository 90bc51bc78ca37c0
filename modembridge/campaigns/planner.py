"""The campaign planner (pure: no I/O, no clock; `now` and the audience are arguments).

For each audience row it decides: skip (with a reason) or send (the personalised text, its
segment count, when it may go, and the idempotency key that makes re-planning harmless).
Rows stream through: the planner never looks at more than one row at a time, so memory
stays flat however large the audience.

Rules, in order:
1. the number must be a possible phone number (`invalid_number`);
2. a number in `suppressions` never gets marketing (`suppressed`), whatever its contact says;
3. only `subscribed` contacts get marketing (`pending` for a pending double opt-in,
   `not_subscribed` for none/unsubscribed);
4. the text (brand + body + "Reply STOP to opt out") must fit `max_parts`
   (`text_too_long`, `invalid_text` for a control character from a contact field);
5. the slot comes from the run's throttle, then quiet hours defer it to the next moment
   inside the send window in the recipient's zones (deferred, never dropped);
6. frequency cap: at most `marketing_per_day` marketing messages per recipient in any 24 h,
   counting sent and already planned ones. A recipient over the cap is skipped
   (`frequency_cap`), not deferred: a later send of a time-limited offer is worse than none.
Two contacts with the same number are caught at enqueue time (`duplicate`), by the
idempotency key, so no set of seen numbers is held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers

from modembridge.campaigns.quiet import SendWindow, next_allowed, recipient_zones
from modembridge.campaigns.templates import Template, finish_text
from modembridge.campaigns.throttle import Throttle
from modembridge.clock import to_iso
from modembridge.validation import ValidationError

CAP_WINDOW = timedelta(hours=24)
SKIP_REASONS = (
    "invalid_number",
    "suppressed",
    "pending",
    "not_subscribed",
    "text_too_long",
    "invalid_text",
    "frequency_cap",
    "duplicate",
)


@dataclass(frozen=True)
class AudienceRow:
    """One recipient as the planner needs it (read by the repository)."""

    contact_id: int
    phone: str
    subscription: str
    suppressed: bool
    timezone: str | None
    fields: Mapping[str, str]
    # Send (or planned) times of marketing to this number from 24 h ago onwards.
    marketing_times: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class PlannerSettings:
    """The compliance rules a plan follows."""

    brand: str
    window: SendWindow
    marketing_per_day: int
    default_region: str
    fallback_zones: tuple[str, ...]
    max_parts: int


@dataclass(frozen=True)
class Planned:
    """A message to enqueue."""

    contact_id: int
    phone: str
    text: str
    encoding: str
    segments: int
    send_at: datetime
    idempotency_key: str


@dataclass(frozen=True)
class Skipped:
    """A recipient who gets nothing, and why."""

    contact_id: int
    phone: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Recipient:
    """A row that passed the number check: its E.164 form and quiet-hours zones."""

    phone: str
    zones: tuple[str, ...]


def campaign_key(campaign_id: int, run_at: datetime, phone: str) -> str:
    """The idempotency key of one recipient of one run."""
    return f"campaign:{campaign_id}:{to_iso(run_at)}:{phone}"


def plan_run(
    rows: Iterable[AudienceRow],
    *,
    campaign_id: int,
    run_at: datetime,
    template: Template,
    settings: PlannerSettings,
    throttle: Throttle,
) -> Iterator[Planned | Skipped]:
    """Plan one run of a campaign, row by row (the throttle's slot clock advances)."""
    for row in rows:
        yield plan_one(
            row,
            template=template,
            settings=settings,
            slot=throttle.take,
            key=lambda phone: campaign_key(campaign_id, run_at, phone),
        )


def plan_one(
    row: AudienceRow,
    *,
    template: Template,
    settings: PlannerSettings,
    slot: Callable[[int], datetime],
    key: Callable[[str], str],
    extra: Mapping[str, str] | None = None,
) -> Planned | Skipped:
    """Plan one marketing message to one recipient.

    Args:
        row: the recipient.
        template: the body template.
        settings: the compliance rules.
        slot: parts -> the earliest time the message may go (the run's throttle for
            campaigns; `lambda _: now` for flows).
        key: E.164 number -> the idempotency key.
        extra: values that override the contact's fields (a flow's event data).
    """
    recipient = resolve_recipient(row, settings)
    if isinstance(recipient, Skipped):
        return recipient
    refusal = eligibility(row)
    if refusal is not None:
        return Skipped(row.contact_id, recipient.phone, refusal)
    values = {**row.fields, **(extra or {})}
    try:
        rendered = finish_text(
            template.render(values),
            marketing=True,
            brand=settings.brand,
            max_parts=settings.max_parts,
        )
    except ValidationError as exc:
        reason = "text_too_long" if exc.code == "text_too_long" else "invalid_text"
        return Skipped(row.contact_id, recipient.phone, reason, str(exc))
    send_at = next_allowed(recipient.zones, settings.window, slot(rendered.segments))
    if over_cap(row.marketing_times, send_at, settings.marketing_per_day):
        detail = f"{settings.marketing_per_day} marketing messages in 24 h"
        return Skipped(row.contact_id, recipient.phone, "frequency_cap", detail)
    return Planned(
        row.contact_id,
        recipient.phone,
        rendered.text,
        rendered.encoding,
        rendered.segments,
        send_at,
        key(recipient.phone),
    )


def resolve_recipient(row: AudienceRow, settings: PlannerSettings) -> Recipient | Skipped:
    """The row's E.164 number and quiet-hours zones, or `invalid_number`."""
    try:
        number = phonenumbers.parse(row.phone, settings.default_region)
    except phonenumbers.NumberParseException as exc:
        return Skipped(row.contact_id, row.phone, "invalid_number", str(exc))
    if not phonenumbers.is_possible_number(number):
        return Skipped(row.contact_id, row.phone, "invalid_number", "not a possible number")
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    zones = recipient_zones(row.timezone, number, settings.fallback_zones)
    return Recipient(str(phone), zones)


def eligibility(row: AudienceRow) -> str | None:
    """None when the row may get marketing, else the skip reason."""
    if row.suppressed:
        return "suppressed"
    if row.subscription == "subscribed":
        return None
    return "pending" if row.subscription == "pending" else "not_subscribed"


def over_cap(times: Iterable[datetime], send_at: datetime, cap: int) -> bool:
    """True when `cap` marketing messages already fall within 24 h either side of `send_at`.

    Checking both sides keeps every rolling 24 h window at or under the cap, also when
    other messages are planned later than this one.
    """
    near = sum(1 for t in times if abs(t - send_at) < CAP_WINDOW)
    return near >= cap


def zones_for(phone: str, contact_zone: str | None, settings: PlannerSettings) -> tuple[str, ...]:
    """Quiet-hours zones of a number that is already queued (E.164 or close to it)."""
    try:
        number: phonenumbers.PhoneNumber | None = phonenumbers.parse(phone, settings.default_region)
    except phonenumbers.NumberParseException:
        number = None
    return recipient_zones(contact_zone, number, settings.fallback_zones)
