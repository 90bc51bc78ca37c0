"""Every route of the real app: who may reach it, and that every form needs a CSRF token.

The URL map is walked, so a route added later by any blueprint is checked without editing
this file: pages need the admin session, /api/v1 and /metrics a valid bearer token; only
the login and setup pages, the health check and static files are public.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, Rule

from modembridge.services import Services
from web_helpers import PASSWORD, csrf_token, login, make_app

PUBLIC = {"auth.login", "auth.setup", "health.health", "static"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Flask, Services]]:
    flask_app, services = make_app(tmp_path, modem_ports={"main": "sim://?name=access"})
    services.admin.auth.set_password(PASSWORD)
    yield flask_app, services
    services.db.close()


def samples(rule: Rule) -> list[dict[str, object]]:
    """Argument values to build the rule's URLs: every choice of an `any(...)` argument,
    1 for the others (numbers, names, phones, ids)."""
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]  # werkzeug keeps no public accessor
        values = sorted(converter.items) if isinstance(converter, AnyConverter) else [1]
        choices.append([(name, value) for value in values])
    return [dict(combination) for combination in itertools.product(*choices)]


def routes(app: Flask) -> list[tuple[Rule, str, str]]:
    """(rule, method, url) for every route and method."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        for values in samples(rule):
            url = adapter.build(rule.endpoint, values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule, method, url))
    return found


def is_token_route(url: str) -> bool:
    return url.startswith(("/api/", "/metrics"))


def test_the_walk_covers_the_admin_and_the_api(app: tuple[Flask, Services]) -> None:
    endpoints = {rule.endpoint for rule, _, _ in routes(app[0])}
    expected = {
        "dashboard.index",
        "conversations.reply",
        "compose.send",
        "simulator.send_mo",
        "settings.create_token",
        "contacts.save",
        "contact_import.upload",
        "rules.move",
        "campaigns.control",
        "flows.create",
        "auth.logout",
        "api.post_message",
        "metrics.metrics",
    }
    assert expected <= endpoints


def test_every_route_but_the_public_ones_needs_authentication(
    app: tuple[Flask, Services],
) -> None:
    client = app[0].test_client()
    checked = 0
    for rule, method, url in routes(app[0]):
        if rule.endpoint in PUBLIC:
            continue
        response = client.open(url, method=method)
        where = f"{method} {url}"
        if is_token_route(url):
            assert response.status_code == 401, where
            assert response.get_json()["error"]["code"] == "unauthorized", where
            bad = client.open(url, method=method, headers={"Authorization": "Bearer mb_nope"})
            assert bad.status_code == 401, f"{where} accepted an invalid token"
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login?next="), where
        checked += 1
    assert checked > 20


def test_the_public_routes(app: tuple[Flask, Services]) -> None:
    client = app[0].test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/health").status_code in (200, 503)
    with client.get("/static/app.css") as static:  # a file response: close it
        assert static.status_code == 200
    setup = client.get("/setup")  # a password exists: the setup page is closed
    assert setup.status_code == 302 and setup.headers["Location"] == "/login"


def test_an_admin_session_does_not_open_the_api(app: tuple[Flask, Services]) -> None:
    client = app[0].test_client()
    assert login(client).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/messages").status_code == 401
    assert client.get("/metrics").status_code == 401


def test_every_state_changing_form_needs_a_csrf_token(app: tuple[Flask, Services]) -> None:
    client = app[0].test_client()
    assert login(client).status_code == 302
    checked = set()
    for rule, method, url in routes(app[0]):
        if method not in STATE_CHANGING or is_token_route(url):
            continue
        response = client.open(url, method=method, data={"text": "hi", "to": "+15551230000"})
        body = response.get_data(as_text=True)
        assert response.status_code == 400, f"{method} {url} ran without a CSRF token"
        assert "CSRF token is missing" in body, f"{method} {url}"
        forged = client.open(url, method=method, data={"csrf_token": "forged"})
        assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
        checked.add(rule.endpoint)
    assert {
        "auth.login",
        "auth.setup",
        "auth.logout",
        "compose.send",
        "conversations.reply",
        "contact_import.upload",
        "campaigns.control",
    } <= checked
    assert client.get("/").status_code == 200  # still logged in: nothing above took effect


def test_the_same_form_with_its_token_goes_through(app: tuple[Flask, Services]) -> None:
    client = app[0].test_client()
    login(client)
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302  # logged out


def test_pages_send_a_strict_content_security_policy(app: tuple[Flask, Services]) -> None:
    client = app[0].test_client()
    login(client)
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
