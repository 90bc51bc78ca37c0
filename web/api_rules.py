"""REST API v1: keyword rules and the dry run, behind `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from modembridge.validation import ValidationError

from .api import error, json_body, services, token_required

rules_blueprint = Blueprint("api_rules", __name__, url_prefix="/api/v1")


@rules_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


@rules_blueprint.post("/rules")
@token_required
def create_rule() -> Any:
    """Create a rule (keyword, match, reply, actions, codes, ...) -> 201 with the rule."""
    response = jsonify(services().rules.create(json_body()))
    response.status_code = 201
    return response


@rules_blueprint.get("/rules")
@token_required
def list_rules() -> Any:
    """Every rule in evaluation order."""
    return jsonify({"rules": services().rules.all()})


@rules_blueprint.get("/rules/<int:rule_id>")
@token_required
def get_rule(rule_id: int) -> Any:
    """One rule with its code and hit counts."""
    return jsonify(services().rules.get(rule_id))


@rules_blueprint.put("/rules/<int:rule_id>")
@token_required
def replace_rule(rule_id: int) -> Any:
    """Replace a rule's definition (codes given are added to its list)."""
    return jsonify(services().rules.update(rule_id, json_body(), partial=False))


@rules_blueprint.patch("/rules/<int:rule_id>")
@token_required
def patch_rule(rule_id: int) -> Any:
    """Change some fields of a rule."""
    return jsonify(services().rules.update(rule_id, json_body(), partial=True))


@rules_blueprint.delete("/rules/<int:rule_id>")
@token_required
def delete_rule(rule_id: int) -> Any:
    """Delete a rule and its codes."""
    if not services().rules.delete(rule_id):
        return error("not_found", f"no rule {rule_id}", 404)
    return jsonify({"deleted": rule_id})


@rules_blueprint.post("/rules/order")
@token_required
def reorder_rules() -> Any:
    """`{"ids": [...]}`: evaluate the rules in this order (every rule id once)."""
    return jsonify({"rules": services().rules.reorder(json_body().get("ids", []))})


@rules_blueprint.post("/rules/dry-run")
@token_required
def dry_run() -> Any:
    """`{"phone", "text"}`: what would happen if this number sent this text (no changes)."""
    body = json_body()
    return jsonify(services().rules.dry_run(body.get("phone", ""), body.get("text", "")))
