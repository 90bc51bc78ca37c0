"""Flask app factory: one blueprint per feature, the services object injected, no globals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from modembridge.services import Services

from .admin import register_admin
from .admin.errors import error_page
from .api import api_blueprint
from .api_campaigns import campaigns_blueprint
from .api_contacts import contacts_blueprint
from .api_events import events_blueprint
from .api_flows import flows_blueprint
from .api_rules import rules_blueprint
from .health import health_blueprint
from .metrics import metrics_blueprint


def create_app(services: Services, *, secret_key: bytes, testing: bool = False) -> Flask:
    """Build the web app around an application `services` object."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key,
        TESTING=testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # emoji stay readable
    app.extensions["modembridge.services"] = services
    app.register_blueprint(health_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(campaigns_blueprint)
    app.register_blueprint(rules_blueprint)
    app.register_blueprint(contacts_blueprint)
    app.register_blueprint(flows_blueprint)
    app.register_blueprint(events_blueprint)
    app.register_blueprint(metrics_blueprint)
    register_admin(app)  # the admin pages, session login and CSRF for every form
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(exc: HTTPException) -> Any:
    """JSON for the API and /metrics, an HTML page for the admin pages."""
    if request.path.startswith(("/api/", "/metrics")):
        return _json_http_error(exc)
    return error_page(exc)


def _json_http_error(exc: HTTPException) -> Any:
    """Errors as `{"error": {"code", "message"}}`, never an HTML page or a stack trace."""
    code = (exc.name or "error").lower().replace(" ", "_")
    response = jsonify({"error": {"code": code, "message": exc.description or exc.name}})
    response.status_code = exc.code or 500
    return response
