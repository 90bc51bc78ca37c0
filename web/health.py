"""`GET /api/v1/health` (no auth); the page at `/` is the admin dashboard (web/admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from modembridge.services import Services

health_blueprint = Blueprint("health", __name__)


def _services() -> Services:
    services: Services = current_app.extensions["modembridge.services"]
    return services


@health_blueprint.get("/api/v1/health")
def health() -> Any:
    """Overall status plus one entry per modem; 503 when no modem can send."""
    report = _services().health()
    response = jsonify(report)
    response.status_code = 503 if report["status"] == "down" else 200
    return response
