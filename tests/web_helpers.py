"""Helpers for the admin page's Flask tests: a real app on a real SQLite file, forms with CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from modembridge.services import Services, ServiceSettings
from modembridge.store import Database
from modembridge.web import create_app

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(folder: Path, **settings: Any) -> tuple[Flask, Services]:
    """The web app around real services on a new database (no modems attached)."""
    db = Database(folder / "web.db")
    services = Services(db, [], ServiceSettings(**settings))
    return create_app(services, secret_key=b"k" * 32, testing=True), services


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on `path` (bound to this client's session)."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def login(client: FlaskClient, password: str = PASSWORD) -> Any:
    """Log in through the form; returns the response."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "password": password})


def post_form(client: FlaskClient, path: str, data: dict[str, Any], page: str = "/") -> Any:
    """POST a form with the CSRF token taken from `page`."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})
