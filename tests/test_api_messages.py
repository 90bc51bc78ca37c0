"""REST API on the real Flask app and a real SQLite file: auth, validation, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from modembridge.services import Services, ServiceSettings
from modembridge.store import Database
from modembridge.web import create_app

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[FlaskClient, Services, dict[str, str]]]:
    db = Database(tmp_path / "api.db")
    woken: list[int] = []
    services = Services(
        db, [], ServiceSettings(max_parts=3), wake=lambda: woken.append(1), clock=lambda: NOW
    )
    app = create_app(services, secret_key=b"k" * 32, testing=True)
    token = services.tokens.create("test", NOW)
    yield app.test_client(), services, {"Authorization": f"Bearer {token}"}
    db.close()


def post(client: FlaskClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/api/v1/messages", json=body, headers=headers)


def test_accepts_and_reads_back(env: Any) -> None:
    client, _, headers = env
    response = post(client, headers, {"to": "(555) 123-4567", "text": "Hi 👋"})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued" and body["encoding"] == "ucs2" and body["segments"] == 1
    message = client.get(f"/api/v1/messages/{body['id']}", headers=headers).get_json()
    assert message["to"] == "+15551234567" and message["text"] == "Hi 👋"
    listed = client.get("/api/v1/messages?direction=out", headers=headers).get_json()
    assert [m["id"] for m in listed["messages"]] == [body["id"]]


def test_same_idempotency_key_gives_same_message(env: Any) -> None:
    client, services, headers = env
    body = {"to": "+15551234567", "text": "order 17 shipped", "idempotency_key": "o17"}
    first = post(client, headers, body).get_json()
    second = post(client, headers, body).get_json()
    assert first["id"] == second["id"]
    count = services.db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    assert count == 1
    conflict = post(client, headers, {**body, "text": "something else"})
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"to": "not a number", "text": "hi"}, 422, "invalid_number"),
        ({"to": "12", "text": "hi"}, 422, "invalid_number"),
        ({"to": 15551234567, "text": "hi"}, 422, "invalid_number"),
        ({"to": "+15551234567", "text": ""}, 422, "empty_text"),
        ({"to": "+15551234567", "text": "   "}, 422, "empty_text"),
        ({"to": "+15551234567", "text": "pay now\x1a"}, 422, "control_character"),
        ({"to": "+15551234567", "text": "esc\x1bhere"}, 422, "control_character"),
        ({"to": "+15551234567", "text": "x" * 460}, 413, "text_too_long"),
        ({"to": "+15551234567", "text": "hi", "kind": "spam"}, 422, "invalid_kind"),
        ({"to": "+15551234567", "text": "hi", "send_at": "tomorrow"}, 422, "invalid_send_at"),
        (
            {"to": "+15551234567", "text": "hi", "idempotency_key": ""},
            422,
            "invalid_idempotency_key",
        ),
        ([1, 2], 400, "invalid_json"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(
    env: Any, body: Any, status: int, code: str
) -> None:
    client, services, headers = env
    response = post(client, headers, body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert services.db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_malformed_json_body(env: Any) -> None:
    client, _, headers = env
    response = client.post(
        "/api/v1/messages", data=b"{not json", headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("auth", [None, "Bearer", "Bearer mb_wrong", "Basic abc", "Bearer x" * 50])
def test_bad_token_is_401(env: Any, auth: str | None) -> None:
    client, _, _ = env
    headers = {"Authorization": auth} if auth else {}
    response = post(client, headers, {"to": "+15551234567", "text": "hi"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_revoked_token_is_401(env: Any) -> None:
    client, services, headers = env
    services.tokens.revoke("test", NOW)
    assert post(client, headers, {"to": "+15551234567", "text": "hi"}).status_code == 401


def test_unknown_message_and_route_are_json_404(env: Any) -> None:
    client, _, headers = env
    missing = client.get("/api/v1/messages/999", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    nowhere = client.get("/api/v1/nothing", headers=headers)
    assert nowhere.status_code == 404 and "error" in nowhere.get_json()


def test_health_needs_no_token_and_reports_down_without_modems(env: Any) -> None:
    client, _, _ = env
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down"


def test_metrics_needs_token(env: Any) -> None:
    client, _, headers = env
    assert client.get("/metrics").status_code == 401
    post(client, headers, {"to": "+15551234567", "text": "hi"})
    text = client.get("/metrics", headers=headers).get_data(as_text=True)
    assert 'modembridge_messages{direction="out",status="queued"} 1' in text
