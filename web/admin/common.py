"""Helpers shared by the admin blueprints: the services accessor, form reading, time display."""

from __future__ import annotations

from datetime import datetime, tzinfo

from flask import current_app, request

from modembridge.admin import AdminServices
from modembridge.clock import utcnow
from modembridge.services import Services

MAX_TEXT = 5000  # characters of a message form field; the services reject too many parts


def services() -> Services:
    """The application services bound to this app."""
    bound: Services = current_app.extensions["modembridge.services"]
    return bound


def admin() -> AdminServices:
    """The admin part of the services."""
    return services().admin


def client_address() -> str:
    """The client's address, for login rate limiting (waitress serves the LAN directly)."""
    return request.remote_addr or "unknown"


def form_text(name: str, limit: int = 200) -> str:
    """A single-line form field, stripped and cut at `limit` characters."""
    return request.form.get(name, "").strip()[:limit]


def message_text(name: str = "text") -> str:
    """A message body from a textarea: browsers submit CRLF, the counter counted LF."""
    return request.form.get(name, "")[:MAX_TEXT].replace("\r\n", "\n")


def wants_fragment() -> bool:
    """True for the page's own background refreshes (fetch sends this header)."""
    return request.headers.get("X-Requested-With") == "fetch"


def local_zone() -> tzinfo:
    """The bridge's local time zone: times on the page are the Pi's local times."""
    zone = utcnow().astimezone().tzinfo
    assert zone is not None
    return zone


def localtime(moment: datetime | None, fmt: str = "%d %b %H:%M") -> str:
    """Jinja filter: a stored UTC moment as local time ("27 Nov 19:28"), "" for None."""
    if moment is None:
        return ""
    return moment.astimezone(local_zone()).strftime(fmt)


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
