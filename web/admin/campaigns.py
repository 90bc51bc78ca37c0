"""Campaigns: create and schedule, pause/resume/cancel, progress and delivery statistics."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.clock import to_iso, utcnow
from modembridge.validation import ValidationError

from .common import form_text, local_zone, message_text, services

if TYPE_CHECKING:
    from modembridge.campaigns.service import CampaignService

campaigns_blueprint = Blueprint("campaigns", __name__, url_prefix="/campaigns")
AUDIENCE_KINDS = ("list", "tag", "segment")
DONE = ("sent", "delivered", "failed", "suppressed", "skipped")


def campaign_service() -> CampaignService:
    """The campaign service (it runs with the bridge's scheduler)."""
    service = services().campaigns
    if service is None:
        abort(503, "campaigns run with the bridge's scheduler, which is not running here")
    return service


def percent_done(progress: dict[str, Any]) -> int:
    """0-100: messages with an outcome (sent or not) out of every planned recipient."""
    total = progress.get("total", 0)
    done = sum(progress.get(key, 0) for key in DONE)
    return min(100, int(100 * done / total)) if total else 0


def schedule_from_form(form: dict[str, str]) -> dict[str, str]:
    """{"at": ISO} for now or a local date and time, or {"cron", "timezone"}.

    Raises:
        ValidationError: "later" without a valid date and time.
    """
    when = form.get("when", "now")
    if when == "cron":
        return {"cron": form.get("cron", ""), "timezone": form.get("timezone", "")}
    if when == "later":
        try:
            local = datetime.fromisoformat(form.get("send_at", ""))
        except ValueError:
            raise ValidationError("invalid_schedule", "choose a date and time") from None
        moment = local.replace(tzinfo=local_zone()) if local.tzinfo is None else local
        return {"at": to_iso(moment)}
    return {"at": to_iso(utcnow())}


def _campaign_form() -> dict[str, str]:
    return {
        "name": form_text("name", 100),
        "text": message_text(),
        "audience_kind": request.form.get("audience_kind", "list"),
        "audience": form_text("audience", 64),
        "when": request.form.get("when", "now"),
        "send_at": form_text("send_at", 32),
        "cron": form_text("cron", 100),
        "timezone": form_text("timezone", 64),
    }


def _editor(form: dict[str, str], error: str | None = None, status: int = 200) -> Any:
    contacts = services().contacts
    page = render_template(
        "campaign_new.html",
        form=form,
        error=error,
        kinds=AUDIENCE_KINDS,
        lists=contacts.lists(),
        tags=contacts.tags(),
        segments=campaign_service().list_segments(),
    )
    return page, status


@campaigns_blueprint.get("")
def index() -> Any:
    """Every campaign, newest first, with its progress."""
    listed = campaign_service().list_campaigns()
    return render_template(
        "campaigns.html",
        campaigns=listed,
        percents={c["id"]: percent_done(c["progress"]) for c in listed},
    )


@campaigns_blueprint.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Create a campaign: text, audience, schedule (now, at a time, or cron)."""
    service = campaign_service()
    if request.method == "GET":
        form = {"audience_kind": "list", "when": "now", "timezone": "UTC"}
        return _editor(form)
    form = _campaign_form()
    try:
        kind = form["audience_kind"] if form["audience_kind"] in AUDIENCE_KINDS else "list"
        created = service.create(
            {
                "name": form["name"],
                "text": form["text"],
                "audience": {kind: form["audience"]},
                "schedule": schedule_from_form(form),
            }
        )
    except ValidationError as exc:
        return _editor(form, str(exc), exc.status)
    flash(f"Campaign {created['name']} scheduled.")
    return redirect(url_for("campaigns.detail", campaign_id=created["id"]))


def _get(campaign_id: int) -> dict[str, Any]:
    try:
        return campaign_service().get(campaign_id)
    except ValidationError as exc:
        abort(exc.status, str(exc))


@campaigns_blueprint.get("/<int:campaign_id>")
def detail(campaign_id: int) -> Any:
    """Status, progress bar, delivery statistics, runs and controls."""
    campaign = _get(campaign_id)
    return render_template(
        "campaign.html", campaign=campaign, percent=percent_done(campaign["progress"])
    )


@campaigns_blueprint.get("/<int:campaign_id>/live")
def live(campaign_id: int) -> Any:
    """The progress part alone, for the background refresh."""
    campaign = _get(campaign_id)
    return render_template(
        "campaign_live.html", campaign=campaign, percent=percent_done(campaign["progress"])
    )


@campaigns_blueprint.post("/<int:campaign_id>/<any(pause, resume, cancel):action>")
def control(campaign_id: int, action: str) -> Any:
    """Pause (held messages wait), resume, or cancel (what is left is never sent)."""
    service = campaign_service()
    try:
        getattr(service, action)(campaign_id)
    except ValidationError as exc:
        if exc.status == 404:
            abort(404, str(exc))
        flash(f"Cannot {action}: {exc}", "error")
    else:
        flash({"pause": "Paused.", "resume": "Resumed.", "cancel": "Cancelled."}[action])
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
