"""Settings: change the admin password, create and revoke REST API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from modembridge.admin.auth import MIN_LENGTH, PasswordError
from modembridge.clock import utcnow

from .common import admin, client_address, form_text, services
from .guard import SESSION_KEY

settings_blueprint = Blueprint("settings", __name__, url_prefix="/settings")


def _page(status: int = 200, **extra: Any) -> Any:
    page = render_template("settings.html", tokens=admin().tokens(), min_length=MIN_LENGTH, **extra)
    return page, status


@settings_blueprint.get("")
def index() -> Any:
    """Tokens and the password form."""
    return _page()


@settings_blueprint.post("/password")
def password() -> Any:
    """A new password (needs the current one); other sessions end, this one continues."""
    auth = admin().auth
    current = auth.login(client_address(), request.form.get("current", ""))
    if current.retry_after:
        return _page(429, password_error="Too many wrong passwords; try again later.")
    if not current.ok:
        return _page(403, password_error="The current password is wrong.")
    try:
        auth.set_password(request.form.get("password", ""), request.form.get("confirm", ""))
    except PasswordError as exc:
        return _page(422, password_error=str(exc))
    session[SESSION_KEY] = auth.session_tag()
    flash("Password changed. Other sessions are logged out.")
    return redirect(url_for("settings.index"))


@settings_blueprint.post("/tokens")
def create_token() -> Any:
    """A new API token, shown on this page once (only its hash is kept)."""
    try:
        token = services().tokens.create(form_text("name", 100), utcnow())
    except ValueError as exc:
        return _page(422, token_error=str(exc))
    return _page(201, new_token=token)


@settings_blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    """Revoke one token: API calls with it fail from now on."""
    if admin().revoke_token(token_id, utcnow()):
        flash("Token revoked.")
    else:
        flash("No such active token.", "error")
    return redirect(url_for("settings.index"))
