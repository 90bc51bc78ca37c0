"""Admin access on the real app and database: setup, login, rate limit, password, tokens."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from modembridge.admin.auth import LoginLimiter
from modembridge.services import Services
from procs import CLI
from web_helpers import NOW, PASSWORD, csrf_token, login, make_app, post_form


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Flask, Services]]:
    flask_app, services = make_app(tmp_path)
    yield flask_app, services
    services.db.close()


@pytest.fixture
def ready(app: tuple[Flask, Services]) -> tuple[Flask, Services]:
    app[1].admin.auth.set_password(PASSWORD)
    return app


def test_first_run_setup(app: tuple[Flask, Services]) -> None:
    flask_app, services = app
    client = flask_app.test_client()
    assert client.get("/").headers["Location"] == "/setup"
    token = csrf_token(client, "/setup")
    short = client.post(
        "/setup", data={"csrf_token": token, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.get_data(as_text=True)
    differ = client.post(
        "/setup", data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD + "x"}
    )
    assert differ.status_code == 422 and not services.admin.auth.has_password()
    done = client.post(
        "/setup", data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # logged in by the setup
    stored = services.db.connection().execute("SELECT value FROM settings").fetchone()[0]
    assert stored.startswith("scrypt:") and PASSWORD not in stored

    other = flask_app.test_client()  # a second visitor cannot take over the setup
    assert other.get("/setup").headers["Location"] == "/login"
    again = other.post(
        "/setup",
        data={"csrf_token": csrf_token(other, "/login"), "password": "x" * 12, "confirm": "x" * 12},
    )
    assert again.headers["Location"] == "/login"
    assert login(other, "x" * 12).status_code == 401
    assert login(other).status_code == 302


def test_login_sets_a_hardened_session_cookie(ready: tuple[Flask, Services]) -> None:
    client = ready[0].test_client()
    wrong = login(client, "not it")
    assert wrong.status_code == 401 and "Wrong password." in wrong.get_data(as_text=True)
    response = login(client)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_only_redirects_within_the_site(ready: tuple[Flask, Services]) -> None:
    client = ready[0].test_client()
    for target, expected in [
        ("/conversations?show=unread", "/conversations?show=unread"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"csrf_token": token, "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == expected, target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_five_failures_block_the_address_for_a_while(ready: tuple[Flask, Services]) -> None:
    client = ready[0].test_client()
    for _ in range(5):
        assert login(client, "guess").status_code == 401
    blocked = login(client)  # even the right password waits
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 300
    assert "Too many wrong passwords" in blocked.get_data(as_text=True)
    elsewhere = ready[0].test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere).status_code == 302  # another address is not punished


def test_limiter_window_and_reset() -> None:
    limiter = LoginLimiter(max_failures=3, window=timedelta(minutes=5))
    for i in range(3):
        assert limiter.retry_after("a", NOW) == 0
        limiter.failed("a", NOW + timedelta(seconds=i))
    assert limiter.retry_after("a", NOW + timedelta(seconds=10)) == 290
    assert limiter.retry_after("a", NOW + timedelta(minutes=5, seconds=1)) == 0
    limiter.failed("b", NOW)
    limiter.succeeded("b")
    assert limiter.retry_after("b", NOW) == 0


def test_changing_the_password_ends_other_sessions(ready: tuple[Flask, Services]) -> None:
    flask_app, _ = ready
    mine, other = flask_app.test_client(), flask_app.test_client()
    login(mine)
    login(other)
    bad = post_form(
        mine,
        "/settings/password",
        {"current": "wrong", "password": "new password 1", "confirm": "new password 1"},
    )
    assert bad.status_code == 403
    ok = post_form(
        mine,
        "/settings/password",
        {"current": PASSWORD, "password": "new password 1", "confirm": "new password 1"},
    )
    assert ok.status_code == 302
    assert mine.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302  # back to the login page
    assert login(other, "new password 1").status_code == 302


def test_set_password_command(tmp_path: Path) -> None:
    config = tmp_path / "modembridge.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "web.db"}"\n')

    def run(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "set-password", "--password-stdin", "--config", str(config)],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )

    too_short = run("short")
    assert too_short.returncode == 1
    assert "at least 8 characters" in too_short.stderr
    done = run("  spaces count too  ")
    assert done.returncode == 0, done.stderr
    flask_app, services = make_app(tmp_path)
    try:
        client = flask_app.test_client()
        assert login(client, "spaces count too").status_code == 401
        assert login(client, "  spaces count too  ").status_code == 302
    finally:
        services.db.close()


def test_api_tokens_are_shown_once_and_can_be_revoked(ready: tuple[Flask, Services]) -> None:
    flask_app, services = ready
    client = flask_app.test_client()
    login(client)
    created = post_form(client, "/settings/tokens", {"name": "shop"}, page="/settings")
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    token = page.split('<code class="token">')[1].split("</code>")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/messages", headers=headers).status_code == 200
    listing = client.get("/settings").get_data(as_text=True)
    assert "shop" in listing and token not in listing  # shown only once
    token_id = services.admin.tokens()[0].id
    revoked = post_form(client, f"/settings/tokens/{token_id}/revoke", {}, page="/settings")
    assert revoked.status_code == 302
    assert client.get("/api/v1/messages", headers=headers).status_code == 401
    empty = post_form(client, "/settings/tokens", {"name": "  "}, page="/settings")
    assert empty.status_code == 422
