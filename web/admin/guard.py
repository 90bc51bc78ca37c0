"""Who may reach what: sessions for the pages, bearer tokens for the API, CSRF on every form.

One `before_request` hook decides for every route, so a blueprint added later is protected
by default; only the endpoints in PUBLIC_ENDPOINTS are open without a login.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, jsonify, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from .common import admin

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.setup", "health.health", "static"})
TOKEN_PATHS = ("/api/", "/metrics")  # bearer-token clients: no cookies, so no CSRF either
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "auth"

# The pages need no inline script or style: a strict policy is a second line of defence
# behind escaping (an injected `onerror=` would not run even if escaping failed).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def install_guard(app: Flask) -> None:
    """Register CSRF protection, the login check and the security headers on `app`."""
    # CSRFProtect checks only where `guard` calls protect(): every non-API request.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    csrf = CSRFProtect(app)
    app.extensions["modembridge.csrf"] = csrf
    app.before_request(guard)
    app.after_request(security_headers)


def logged_in() -> bool:
    """True when the session belongs to the current password (a new password ends it)."""
    tag = session.get(SESSION_KEY)
    return bool(tag) and tag == admin().auth.session_tag()


def guard() -> Any:
    """Let the request through (None) or answer it: redirect, 401 or a CSRF error."""
    g.logged_in = False
    endpoint = request.endpoint
    if endpoint is None:  # no such route: the 404 handler answers
        return None
    if endpoint in PUBLIC_ENDPOINTS:
        _check_csrf()
        return None
    if request.path.startswith(TOKEN_PATHS):
        return _require_bearer()
    if not admin().auth.has_password():
        return redirect(url_for("auth.setup"))
    if not logged_in():
        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify({"error": {"code": "login_required", "message": "log in"}}), 401
        query = urlencode({"next": request.full_path.rstrip("?")})
        return redirect(f"{url_for('auth.login')}?{query}")
    g.logged_in = True
    _check_csrf()
    return None


def _check_csrf() -> None:
    if request.method not in SAFE_METHODS:
        csrf: CSRFProtect = current_app.extensions["modembridge.csrf"]
        csrf.protect()


def _require_bearer() -> Any:
    """Defence in depth: no API view runs without a bearer header; the view checks the token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return None
    body = {"error": {"code": "unauthorized", "message": "missing bearer token"}}
    return jsonify(body), 401


def security_headers(response: Any) -> Any:
    """CSP, no framing, no sniffing, and no caching of admin pages (they hold personal data)."""
    if request.path.startswith(TOKEN_PATHS):
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
