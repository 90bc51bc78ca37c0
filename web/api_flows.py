"""REST API v1: automation flows, behind `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from modembridge.campaigns.flow_service import FlowService
from modembridge.validation import ValidationError

from .api import error, json_body, services, token_required

flows_blueprint = Blueprint("api_flows", __name__, url_prefix="/api/v1")


def flows() -> FlowService:
    """The flow service, or a 503 error when the bridge runs without it."""
    service = services().flows
    if service is None:
        raise ValidationError("unavailable", "flows are not running", 503)
    return service


@flows_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


@flows_blueprint.post("/flows")
@token_required
def create_flow() -> Any:
    """Define a flow: name, trigger event, steps (wait / unless / send) -> 201."""
    response = jsonify(flows().create(json_body()))
    response.status_code = 201
    return response


@flows_blueprint.get("/flows")
@token_required
def list_flows() -> Any:
    """Every flow, with how many instances wait, finished or exited."""
    return jsonify({"flows": flows().list_flows()})


@flows_blueprint.get("/flows/<int:flow_id>")
@token_required
def get_flow(flow_id: int) -> Any:
    """One flow."""
    return jsonify(flows().get(flow_id))


@flows_blueprint.delete("/flows/<int:flow_id>")
@token_required
def delete_flow(flow_id: int) -> Any:
    """Delete a flow; its waiting instances are cancelled."""
    flows().delete(flow_id)
    return "", 204
