"""REST API v1: campaigns and saved segments, behind `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from modembridge.campaigns.service import CampaignService
from modembridge.validation import ValidationError

from .api import error, json_body, services, token_required

campaigns_blueprint = Blueprint("api_campaigns", __name__, url_prefix="/api/v1")
MAX_LIST = 500


def campaigns() -> CampaignService:
    """The campaign service, or a 503 error when the bridge runs without it."""
    service = services().campaigns
    if service is None:
        raise ValidationError("unavailable", "campaigns are not running", 503)
    return service


@campaigns_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


def _created(body: Any) -> Any:
    response = jsonify(body)
    response.status_code = 201
    return response


@campaigns_blueprint.post("/campaigns")
@token_required
def create_campaign() -> Any:
    """Create a campaign: name, text, audience, schedule -> 201 with status and ETA."""
    return _created(campaigns().create(json_body()))


@campaigns_blueprint.get("/campaigns")
@token_required
def list_campaigns() -> Any:
    """Newest first, each with its progress (`?limit=N`, default 100)."""
    raw = request.args.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST:
        raise ValidationError("invalid_query", f"limit must be 1-{MAX_LIST}", 400)
    return jsonify({"campaigns": campaigns().list_campaigns(int(raw))})


@campaigns_blueprint.get("/campaigns/<int:campaign_id>")
@token_required
def get_campaign(campaign_id: int) -> Any:
    """Status, progress {total, queued, sent, delivered, failed, skipped}, ETA, runs."""
    return jsonify(campaigns().get(campaign_id))


@campaigns_blueprint.post("/campaigns/<int:campaign_id>/<action>")
@token_required
def control_campaign(campaign_id: int, action: str) -> Any:
    """pause | resume | cancel."""
    service = campaigns()
    actions = {"pause": service.pause, "resume": service.resume, "cancel": service.cancel}
    if action not in actions:
        return error("not_found", f"unknown action {action!r}: pause, resume or cancel", 404)
    return jsonify(actions[action](campaign_id))


@campaigns_blueprint.get("/campaigns/<int:campaign_id>/preview")
@token_required
def preview_campaign(campaign_id: int) -> Any:
    """What `?phone=NUMBER` would receive, whether it may, and when."""
    phone = request.args.get("phone")
    if not phone:
        raise ValidationError("invalid_query", "phone is required: ?phone=+15551234567", 400)
    return jsonify(campaigns().preview(campaign_id, phone))


@campaigns_blueprint.post("/campaigns/preview")
@token_required
def preview_text() -> Any:
    """Render an unsaved `text` (for `phone` when given) with brand and footer."""
    body = json_body()
    return jsonify(campaigns().preview_text(body.get("text"), body.get("phone")))


@campaigns_blueprint.post("/campaigns/estimate")
@token_required
def estimate() -> Any:
    """The ETA of an unsaved `text` to an `audience`, from the modems' pacing."""
    body = json_body()
    return jsonify(campaigns().estimate(body.get("audience"), body.get("text")))


@campaigns_blueprint.post("/segments")
@token_required
def create_segment() -> Any:
    """Save a segment: name and filters -> 201 with how many contacts may get marketing."""
    return _created(campaigns().create_segment(json_body()))


@campaigns_blueprint.get("/segments")
@token_required
def list_segments() -> Any:
    """Every saved segment."""
    return jsonify({"segments": campaigns().list_segments()})


@campaigns_blueprint.delete("/segments/<int:segment_id>")
@token_required
def delete_segment(segment_id: int) -> Any:
    """Remove a saved segment."""
    campaigns().delete_segment(segment_id)
    return "", 204
