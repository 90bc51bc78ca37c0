"""Flask app factory: one blueprint per feature, the services object injected, no globals."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from modembridge.services import Services

from .api import api_blueprint
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
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # emoji stay readable
    app.extensions["modembridge.services"] = services
    app.register_blueprint(health_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(metrics_blueprint)
    app.register_error_handler(HTTPException, _json_http_error)
    return app


def _json_http_error(exc: HTTPException) -> Any:
    """Errors as `{"error": {"code", "message"}}`, never an HTML page or a stack trace."""
    code = (exc.name or "error").lower().replace(" ", "_")
    response = jsonify({"error": {"code": code, "message": exc.description or exc.name}})
    response.status_code = exc.code or 500
    return response
