"""Login, logout and the first-run setup page (open only while no password exists)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from modembridge.admin.auth import MIN_LENGTH, PasswordError

from .common import admin, client_address, safe_next
from .guard import SESSION_KEY, logged_in

auth_blueprint = Blueprint("auth", __name__)


def _start_session(tag: str) -> None:
    """A fresh session (no fixation: nothing from before the login survives)."""
    session.clear()
    session[SESSION_KEY] = tag
    session.permanent = True


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The password form; failures count against the client's rate limit."""
    auth = admin().auth
    if not auth.has_password():
        return redirect(url_for("auth.setup"))
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if logged_in():
            return redirect(target)
        return render_template("login.html", next=target)
    result = auth.login(client_address(), request.form.get("password", ""))
    if result.retry_after:
        page = render_template("login.html", next=target, retry_after=result.retry_after)
        return page, 429, {"Retry-After": str(result.retry_after)}
    if not result.ok:
        return render_template("login.html", next=target, error="Wrong password."), 401
    _start_session(result.session_tag)
    return redirect(target)


@auth_blueprint.post("/logout")
def logout() -> Any:
    """End the session (POST with a CSRF token, so another site cannot log you out)."""
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


@auth_blueprint.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    """Choose the admin password on first run; gone for good once a password exists."""
    auth = admin().auth
    if auth.has_password():
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("setup.html", min_length=MIN_LENGTH)
    password = request.form.get("password", "")
    try:
        created = auth.setup_password(password, request.form.get("confirm", ""))
    except PasswordError as exc:
        page = render_template("setup.html", min_length=MIN_LENGTH, error=str(exc))
        return page, 422
    if not created:  # someone else finished the setup first
        flash("A password was already set; log in with it.")
        return redirect(url_for("auth.login"))
    tag = auth.session_tag()
    assert tag is not None
    _start_session(tag)
    flash("Password set. Welcome!")
    return redirect(url_for("dashboard.index"))
