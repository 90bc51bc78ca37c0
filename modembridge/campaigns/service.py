"""Campaigns as the API and the admin page use them.

Every edit commits to the database first and then calls `on_change`, which the scheduler
sets to rebuild its in-memory jobs from the database (the database is the source of truth).
Errors are `ValidationError`s with an HTTP status: 422 bad input, 404 unknown id, 409 a
state that does not allow the action.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from modembridge.campaigns import control
from modembridge.campaigns import repository as repo
from modembridge.campaigns.audience import (
    AudienceQuery,
    check_name,
    contact_query,
    count_sql,
    member_sql,
    parse_audience,
    parse_filters,
)
from modembridge.campaigns.expansion import (
    AudienceMissing,
    Expansion,
    audience_query,
    read_page,
)
from modembridge.campaigns.planner import Planned, plan_one
from modembridge.campaigns.runner import CampaignRunner
from modembridge.campaigns.schedule import parse_schedule
from modembridge.campaigns.settings import AutomationSettings
from modembridge.campaigns.templates import RenderedText, Template, finish_text, parse_template
from modembridge.campaigns.throttle import estimate as estimate_finish
from modembridge.clock import from_iso, to_iso, utcnow
from modembridge.numbers import InvalidNumber, normalize
from modembridge.store.db import Database
from modembridge.validation import ValidationError

CREATE_FIELDS = frozenset({"name", "text", "audience", "schedule"})


class CampaignService:
    """Create, inspect and control campaigns; `runner` is what the scheduler drives."""

    def __init__(
        self,
        db: Database,
        settings: AutomationSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        """Bind to the store and the compliance settings."""
        self.db = db
        self.settings = settings
        self.planner = settings.planner()
        self.limits = settings.limits()
        self.clock = clock
        self.on_change: Callable[[], None] = lambda: None
        spec = Expansion(self.planner, self.limits, settings.batch_size)
        self.runner = CampaignRunner(db, spec, settings.grace, clock, wake)

    # -- create and read -------------------------------------------------------------

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate and store a campaign with its first run time; returns it.

        Raises:
            ValidationError: unknown keys, bad name/text/audience/schedule (422), a text
                that cannot fit `max_parts` with the brand and footer (413).
        """
        unknown = sorted(set(fields) - CREATE_FIELDS)
        if unknown:
            raise ValidationError("unknown_field", f"unknown field(s): {', '.join(unknown)}")
        now = self.clock()
        name = _campaign_name(fields.get("name"))
        template = parse_template(fields.get("text"))
        self._finish(template, {})
        audience = parse_audience(fields.get("audience"))
        schedule = parse_schedule(fields.get("schedule"), now)
        first = schedule.first_run(now)
        if first is None:
            raise ValidationError("invalid_schedule", "the cron expression never fires")
        with self.db.transaction() as conn:
            self._audience(conn, audience)
            campaign_id = repo.insert_campaign(conn, name, template.source, audience, schedule, now)
            repo.add_run(conn, campaign_id, first)
        self.on_change()
        return self.get(campaign_id)

    def list_campaigns(self, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first, with progress (runs and ETA only in `get`)."""
        conn = self.db.connection()
        return [self._summary(conn, c) for c in repo.list_campaigns(conn, limit)]

    def get(self, campaign_id: int) -> dict[str, Any]:
        """Status, progress, ETA and recent runs of one campaign.

        Raises:
            ValidationError: 404 when there is no such campaign.
        """
        conn = self.db.connection()
        campaign = self._campaign(conn, campaign_id)
        body = self._summary(conn, campaign)
        body["runs"] = [r.to_json() for r in repo.runs(conn, campaign_id)]
        body["eta"] = self.eta(campaign_id)
        return body

    def progress(self, campaign_id: int) -> dict[str, Any]:
        """total, queued, held, sent, delivered, failed, suppressed, skipped, skip_reasons."""
        conn = self.db.connection()
        self._campaign(conn, campaign_id)
        return repo.progress(conn, campaign_id)

    def eta(self, campaign_id: int) -> dict[str, Any] | None:
        """When the campaign will be through: from the queue once planned, else an estimate
        from the audience size, the segments and the modems' pacing; None when idle."""
        conn = self.db.connection()
        campaign = self._campaign(conn, campaign_id)
        waiting = repo.last_due(conn, campaign_id)
        if waiting is not None:
            return {"basis": "queue", "finish": to_iso(waiting + self.limits.spacing)}
        upcoming = [r for r in repo.runs(conn, campaign_id, 5) if r.status == "planned"]
        if not upcoming or campaign.status != "scheduled":
            return None
        start = max(upcoming[-1].run_at, self.clock())
        result = self.estimate(campaign.audience, campaign.text, start)
        return {"basis": "estimate", **result}

    def estimate(
        self, audience: object, text: object, start: datetime | None = None
    ) -> dict[str, Any]:
        """The ETA of sending `text` to `audience` from `start` (default now), before launch.

        Raises:
            ValidationError: bad audience or text.
        """
        spec = parse_audience(audience)
        template = parse_template(text)
        conn = self.db.connection()
        query = self._audience(conn, spec)
        recipients = int(conn.execute(count_sql(query), query.params).fetchone()[0])
        parts = self._finish(template, {}).segments
        result = estimate_finish(self.limits, start or self.clock(), recipients, parts).to_json()
        result["modems"] = len(self.settings.modems)
        return result

    def planned_runs(self) -> list[tuple[int, datetime]]:
        """(campaign id, next run time) of every campaign waiting for a run (scheduler)."""
        rows = self.db.connection().execute(
            "SELECT r.campaign_id, MIN(r.run_at) FROM campaign_runs r"
            " JOIN campaigns c ON c.id = r.campaign_id"
            " WHERE r.status = 'planned' AND c.status = 'scheduled' GROUP BY r.campaign_id"
        )
        return [(int(cid), from_iso(at)) for cid, at in rows]

    # -- control ---------------------------------------------------------------------

    def pause(self, campaign_id: int) -> dict[str, Any]:
        """Hold queued messages and stop runs until resumed (409 unless active)."""
        now = self.clock()
        with self.db.transaction() as conn:
            campaign = self._campaign(conn, campaign_id)
            if campaign.status not in ("scheduled", "completed"):
                raise ValidationError("conflict", f"campaign is {campaign.status}", 409)
            control.pause(conn, campaign_id, now)
        self.on_change()
        return self.get(campaign_id)

    def resume(self, campaign_id: int) -> dict[str, Any]:
        """Release held messages and continue runs (409 unless paused)."""
        now = self.clock()
        with self.db.transaction() as conn:
            campaign = self._campaign(conn, campaign_id)
            if campaign.status != "paused" or campaign.paused_at is None:
                raise ValidationError("conflict", f"campaign is {campaign.status}", 409)
            control.resume(conn, campaign_id, campaign.paused_at, self.planner, now)
        self.on_change()
        return self.get(campaign_id)

    def cancel(self, campaign_id: int) -> dict[str, Any]:
        """Suppress what is still queued or held and plan no more runs (409 if cancelled)."""
        now = self.clock()
        with self.db.transaction() as conn:
            campaign = self._campaign(conn, campaign_id)
            if campaign.status == "cancelled":
                raise ValidationError("conflict", "campaign is already cancelled", 409)
            control.cancel(conn, campaign_id, now)
        self.on_change()
        return self.get(campaign_id)

    # -- previews --------------------------------------------------------------------

    def preview(self, campaign_id: int, phone: object) -> dict[str, Any]:
        """What one recipient would get from a campaign, and whether and when.

        Raises:
            ValidationError: 404 unknown campaign, 422 bad number.
        """
        conn = self.db.connection()
        campaign = self._campaign(conn, campaign_id)
        return self._preview(conn, parse_template(campaign.text), phone, campaign.audience)

    def preview_text(self, text: object, phone: object = None) -> dict[str, Any]:
        """An unsaved template rendered for a contact (or with its fallbacks)."""
        template = parse_template(text)
        if phone is None:
            rendered = self._finish(template, {})
            return {
                "phone": None,
                "text": rendered.text,
                "segments": rendered.segments,
                "encoding": rendered.encoding,
            }
        return self._preview(self.db.connection(), template, phone, None)

    def _preview(
        self,
        conn: sqlite3.Connection,
        template: Template,
        phone: object,
        audience: dict[str, str] | None,
    ) -> dict[str, Any]:
        number = self._number(phone)
        now = self.clock()
        rows = read_page(conn, contact_query(number), 0, 1, now)
        values = rows[0].fields if rows else {}
        body: dict[str, Any] = {"phone": number, "contact_id": rows[0].contact_id if rows else None}
        try:
            rendered = self._finish(template, values)
            body.update(text=rendered.text, segments=rendered.segments, encoding=rendered.encoding)
        except ValidationError as exc:
            body.update(text=None, segments=None, encoding=None, error=str(exc))
        if audience is not None:
            query = self._audience(conn, audience)
            member = (
                bool(rows)
                and conn.execute(member_sql(query), (*query.params, rows[0].contact_id)).fetchone()
            )
            body["in_audience"] = bool(member)
        if not rows:
            return {**body, "eligible": False, "skip_reason": "not_a_contact", "send_at": None}
        plan = plan_one(
            rows[0],
            template=template,
            settings=self.planner,
            slot=lambda _parts: now,
            key=lambda p: p,
        )
        if isinstance(plan, Planned):
            return {**body, "eligible": True, "skip_reason": None, "send_at": to_iso(plan.send_at)}
        return {**body, "eligible": False, "skip_reason": plan.reason, "send_at": None}

    # -- segments --------------------------------------------------------------------

    def create_segment(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Save a named segment (409 if the name is taken); returns it with its size."""
        name = check_name(fields.get("name"), "segment")
        filters = parse_filters(fields.get("filters"))
        try:
            with self.db.transaction() as conn:
                repo.save_segment(conn, name, filters, self.clock())
        except sqlite3.IntegrityError:
            raise ValidationError("conflict", f"a segment named {name!r} exists", 409) from None
        return next(s for s in self.list_segments() if s["name"] == name)

    def list_segments(self) -> list[dict[str, Any]]:
        """Every segment with how many contacts match and may get marketing."""
        conn = self.db.connection()
        segments = repo.list_segments(conn)
        for segment in segments:
            query = self._audience(conn, {"segment": segment["name"]})
            segment["eligible"] = conn.execute(count_sql(query), query.params).fetchone()[0]
        return segments

    def delete_segment(self, segment_id: int) -> None:
        """Remove a segment (404 if unknown); campaigns naming it finish with a note."""
        with self.db.transaction() as conn:
            if not repo.delete_segment(conn, segment_id):
                raise ValidationError("not_found", f"no segment {segment_id}", 404)

    # -- helpers ---------------------------------------------------------------------

    def _summary(self, conn: sqlite3.Connection, campaign: repo.CampaignRecord) -> dict[str, Any]:
        planned = [r for r in repo.runs(conn, campaign.id, 5) if r.status == "planned"]
        return {
            "id": campaign.id,
            "name": campaign.name,
            "text": campaign.text,
            "audience": campaign.audience,
            "schedule": campaign.schedule.to_json(),
            "status": campaign.status,
            "next_run_at": to_iso(planned[-1].run_at) if planned else None,
            "created_at": to_iso(campaign.created_at),
            "updated_at": to_iso(campaign.updated_at),
            "paused_at": to_iso(campaign.paused_at) if campaign.paused_at else None,
            "progress": repo.progress(conn, campaign.id),
        }

    def _campaign(self, conn: sqlite3.Connection, campaign_id: int) -> repo.CampaignRecord:
        campaign = repo.get_campaign(conn, campaign_id)
        if campaign is None:
            raise ValidationError("not_found", f"no campaign {campaign_id}", 404)
        return campaign

    def _audience(self, conn: sqlite3.Connection, audience: dict[str, str]) -> AudienceQuery:
        try:
            return audience_query(conn, audience)
        except AudienceMissing as exc:
            raise ValidationError("unknown_audience", str(exc)) from None

    def _finish(self, template: Template, values: Mapping[str, str]) -> RenderedText:
        return finish_text(
            template.render(values),
            marketing=True,
            brand=self.settings.brand,
            max_parts=self.settings.max_parts,
        )

    def _number(self, phone: object) -> str:
        if not isinstance(phone, str):
            raise ValidationError("invalid_number", "phone must be a phone number string")
        try:
            return normalize(phone, self.settings.default_region)
        except InvalidNumber as exc:
            raise ValidationError("invalid_number", str(exc)) from None


def _campaign_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 100:
        raise ValidationError("invalid_name", "name must be 1-100 characters")
    if any(ord(c) < 32 for c in value):
        raise ValidationError("invalid_name", "name must not contain control characters")
    return value.strip()
