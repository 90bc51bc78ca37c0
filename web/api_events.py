"""REST API v1: shop events that trigger flows, behind `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from modembridge.validation import ValidationError

from .api import error, json_body, token_required
from .api_flows import flows

events_blueprint = Blueprint("api_events", __name__, url_prefix="/api/v1")


@events_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


@events_blueprint.post("/events")
@token_required
def post_event() -> Any:
    """`{"event", "phone", "data", "idempotency_key"?}` -> 202 with the flow instances started
    (a repeated idempotency key returns the first answer, with `duplicate: true`)."""
    response = jsonify(flows().record_event(json_body()))
    response.status_code = 202
    return response
